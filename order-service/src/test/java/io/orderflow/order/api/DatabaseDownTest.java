package io.orderflow.order.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.orderflow.platform.http.Problem;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/**
 * Checkout refuses with 503 whenever its own database is down, also for the requests in flight when it
 * went: the fault matrix's db-down row saw 15 of them answered 500 (a pooled connection closed under them).
 */
class DatabaseDownTest {

    @Test
    void noConnectionToBeHadIs503() {
        assertThat(status(new SQLTransientConnectionException("order-service-db - Connection is not available")))
                .isEqualTo(503);
    }

    @Test
    void aConnectionClosedOrTerminatedUnderTheRequestIs503() {
        assertThat(status(new SQLException("Connection is closed", "08003"))).isEqualTo(503);   // HikariCP, after a broken connection
        assertThat(status(new SQLException("An I/O error occurred while sending to the backend.", "08006"))).isEqualTo(503);
        assertThat(status(new SQLException("terminating connection due to administrator command", "57P01"))).isEqualTo(503);
    }

    @Test
    void anyOtherSqlErrorIsNotHiddenAsUnavailable() {
        SQLException bug = new SQLException("column \"nope\" does not exist", "42703");
        assertThat(catchThrowable(() -> OrderApi.databaseCall(() -> {
            throw bug;
        }))).isSameAs(bug);
    }

    private static int status(SQLException failure) {
        Throwable thrown = catchThrowable(() -> OrderApi.databaseCall(() -> {
            throw failure;
        }));
        return thrown instanceof Problem p ? p.status() : -1;
    }
}
