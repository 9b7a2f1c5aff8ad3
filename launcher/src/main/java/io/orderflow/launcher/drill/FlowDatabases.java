package io.orderflow.launcher.drill;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Read-only connections to the four services' databases, for checkers that compare what the
 * services did with what they were asked (the services themselves never share a database).
 */
public final class FlowDatabases implements AutoCloseable {

    /** Where one service's database is. */
    public record Location(String url, String user, String password) {
    }

    private final DataSource orders;
    private final DataSource coupons;
    private final DataSource points;
    private final DataSource notifications;
    private final List<AutoCloseable> owned;

    private FlowDatabases(DataSource orders, DataSource coupons, DataSource points, DataSource notifications,
                          List<AutoCloseable> owned) {
        this.orders = orders;
        this.coupons = coupons;
        this.points = points;
        this.notifications = notifications;
        this.owned = owned;
    }

    /** Over data sources someone else owns (e.g. the services of a test stack): closing this closes nothing. */
    public static FlowDatabases of(DataSource orders, DataSource coupons, DataSource points, DataSource notifications) {
        return new FlowDatabases(orders, coupons, points, notifications, List.of());
    }

    /** Opens a small read-only pool per database; {@link #close()} closes them. */
    public static FlowDatabases open(Location orders, Location coupons, Location points, Location notifications) {
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            return new FlowDatabases(pool(orders, owned), pool(coupons, owned), pool(points, owned),
                    pool(notifications, owned), owned);
        } catch (RuntimeException e) {
            closeAll(owned);
            throw e;
        }
    }

    public DataSource orders() {
        return orders;
    }

    public DataSource coupons() {
        return coupons;
    }

    public DataSource points() {
        return points;
    }

    public DataSource notifications() {
        return notifications;
    }

    private static DataSource pool(Location location, List<AutoCloseable> owned) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(location.url());
        config.setUsername(location.user());
        config.setPassword(location.password());
        config.setMaximumPoolSize(2);
        config.setReadOnly(true);
        config.setConnectionTimeout(10_000);
        // A checker may be started while the database is still coming up after a crash.
        config.setInitializationFailTimeout(60_000);
        HikariDataSource ds = new HikariDataSource(config);
        owned.add(ds);
        return ds;
    }

    /** One row of a checker's query. */
    public interface RowHandler {
        void row(ResultSet rs) throws SQLException;
    }

    /** Runs a read-only query and hands each row to {@code handler}. */
    public static void query(DataSource ds, String sql, RowHandler handler) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                handler.row(rs);
            }
        }
    }

    @Override
    public void close() {
        closeAll(owned);
    }

    private static void closeAll(List<AutoCloseable> closeables) {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("Cannot close " + c, e);
            }
        }
    }
}
