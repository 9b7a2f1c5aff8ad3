package io.orderflow.platform.db;

import java.sql.Connection;

/** Work done inside one database transaction. */
@FunctionalInterface
public interface SqlWork<T> {

    T run(Connection connection) throws Exception;
}
