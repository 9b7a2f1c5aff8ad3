package io.orderflow.platform.testing;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the statements a piece of code executes on a connection: each {@code execute*} call of a statement made by
 * the wrapped connection is one round trip to the database (a JDBC batch counts once). For tests that pin how many
 * round trips a handler takes per record, so a change that adds one per record shows:
 *
 * <pre>
 * RoundTrips trips = new RoundTrips();
 * db.inTransaction(tx -&gt; { handler.handle(event, trips.wrap(tx)); return null; });
 * assertThat(trips.count()).isLessThanOrEqualTo(4);
 * </pre>
 */
public final class RoundTrips {

    private final AtomicInteger count = new AtomicInteger();

    public int count() {
        return count.get();
    }

    public void reset() {
        count.set(0);
    }

    public Connection wrap(Connection connection) {
        return (Connection) proxy(Connection.class, connection, (self, method, args) -> {
            Object result = invoke(connection, method, args);
            return result instanceof Statement statement ? countingStatement(statement) : result;
        });
    }

    private Statement countingStatement(Statement statement) {
        Class<?> type = statement instanceof java.sql.CallableStatement ? java.sql.CallableStatement.class
                : statement instanceof java.sql.PreparedStatement ? java.sql.PreparedStatement.class : Statement.class;
        return (Statement) proxy(type, statement, (self, method, args) -> {
            if (method.getName().startsWith("execute")) {
                count.incrementAndGet();
            }
            return invoke(statement, method, args);
        });
    }

    private static Object proxy(Class<?> type, Object target, InvocationHandler handler) {
        return Proxy.newProxyInstance(RoundTrips.class.getClassLoader(), new Class<?>[] {type}, handler);
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
