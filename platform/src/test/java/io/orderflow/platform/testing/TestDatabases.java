package io.orderflow.platform.testing;

import io.orderflow.platform.db.Database;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The migrated database one test class runs on: a fresh PostgreSQL database ({@link TestDatabase}),
 * opened on first use and dropped by {@link #close()}. Tests stay parameterized over {@link #all()}
 * (one {@code "postgresql"} entry) so their names say where they ran:
 *
 * <pre>
 * static final TestDatabases DATABASES = new TestDatabases("coupon-service");
 * static Stream&lt;TestDb&gt; databases() { return DATABASES.all(); }
 * &#64;AfterAll static void closeDatabases() { DATABASES.close(); }
 * &#64;ParameterizedTest(name = "{0}") &#64;MethodSource("databases") void redeems(TestDb t) { ... }
 * </pre>
 */
public final class TestDatabases implements AutoCloseable {

    /** One opened database, named by its kind so parameterized test names say where they ran. */
    public record TestDb(String kind, Database db) {
        @Override
        public String toString() {
            return kind;
        }
    }

    private final String serviceName;
    private final List<TestDb> opened = new ArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    public TestDatabases(String serviceName) {
        this.serviceName = serviceName;
    }

    public synchronized Stream<TestDb> all() {
        if (opened.isEmpty()) {
            for (String kind : TestDatabase.kinds()) {
                try {
                    TestDatabase created = TestDatabase.create(kind, serviceName);
                    toClose.add(created);
                    Database db = Database.open(serviceName, created.url(), created.user(), created.password(), 20);
                    toClose.add(db);
                    opened.add(new TestDb(kind, db));
                } catch (Exception e) {
                    throw new IllegalStateException("Cannot open a " + kind + " test database", e);
                }
            }
        }
        return opened.stream();
    }

    /** Closes the pools, then drops the databases. */
    @Override
    public synchronized void close() {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException("Cannot clean up test database " + toClose.get(i), e);
            }
        }
        toClose.clear();
        opened.clear();
    }
}
