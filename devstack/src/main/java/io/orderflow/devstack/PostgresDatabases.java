package io.orderflow.devstack;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/**
 * Database per service on one PostgreSQL server, as {@code docker/postgres/init.sql} lays it out: a
 * login role per service, a database owned by it, and no CONNECT for anyone else. Run as a superuser
 * with auto-commit (CREATE DATABASE cannot run in a transaction).
 */
public final class PostgresDatabases {

    /** Lower-case SQL identifiers only: names are spliced into DDL, which takes no bind parameters. */
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final String DUPLICATE_OBJECT = "42710";
    private static final String DUPLICATE_DATABASE = "42P04";

    private PostgresDatabases() {
    }

    /** Creates what is missing; running it again changes nothing but the role's password. */
    public static void ensure(Connection superuser, String database, String role, String password) throws SQLException {
        checkIdentifier(database);
        checkIdentifier(role);
        boolean autoCommit = superuser.getAutoCommit();
        superuser.setAutoCommit(true);
        try (Statement s = superuser.createStatement()) {
            ignoring(DUPLICATE_OBJECT, () -> s.execute("CREATE ROLE " + role + " LOGIN"));
            s.execute("ALTER ROLE " + role + (password == null || password.isEmpty() ? " PASSWORD NULL" : " PASSWORD " + literal(password)));
            if (!exists(superuser, database)) {
                // Two processes may race here; the loser's duplicate is fine.
                ignoring(DUPLICATE_DATABASE, () -> s.execute("CREATE DATABASE " + database + " OWNER " + role));
            }
            s.execute("REVOKE CONNECT ON DATABASE " + database + " FROM PUBLIC");
        } finally {
            superuser.setAutoCommit(autoCommit);
        }
    }

    /** Drops the database (closing its sessions) and then its role, if they exist. */
    public static void drop(Connection superuser, String database, String role) throws SQLException {
        checkIdentifier(database);
        checkIdentifier(role);
        boolean autoCommit = superuser.getAutoCommit();
        superuser.setAutoCommit(true);
        try (Statement s = superuser.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            s.execute("DROP ROLE IF EXISTS " + role);
        } finally {
            superuser.setAutoCommit(autoCommit);
        }
    }

    /** Returns {@code name} if it is a plain lower-case identifier, else throws. */
    public static String checkIdentifier(String name) {
        if (name == null || !IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("Not a plain lower-case SQL identifier: '" + name + "'");
        }
        return name;
    }

    private static boolean exists(Connection c, String database) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** A string literal; standard_conforming_strings is on (the default since 9.1), so only quotes double. */
    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static void ignoring(String sqlState, SqlAction action) throws SQLException {
        try {
            action.run();
        } catch (SQLException e) {
            if (!sqlState.equals(e.getSQLState())) {
                throw e;
            }
        }
    }

    @FunctionalInterface
    private interface SqlAction {
        void run() throws SQLException;
    }
}
