package io.orderflow.order.payment;

import io.orderflow.platform.kafka.Ids;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/**
 * A payment gateway simulated by a table: a capture is a row (written by checkout with its order,
 * {@link io.orderflow.order.Orders#place}), a refund flips it to REFUNDED at most once (guarded in SQL).
 * Charges above a limit are declined, to show that path.
 */
public final class SimulatedPaymentGateway implements PaymentGateway {

    private final long limitCents;

    public SimulatedPaymentGateway(long limitCents) {
        this.limitCents = limitCents;
    }

    @Override
    public Capture charge(String chargeKey, String customerId, long amountCents, String currency)
            throws PaymentDeclinedException {
        if (amountCents > limitCents) {
            throw new PaymentDeclinedException("The charge of " + amountCents + " " + currency
                    + " is above the card limit of " + limitCents);
        }
        return new Capture("pay-" + Ids.uuid(), Instant.now());
    }

    @Override
    public Optional<Refund> refund(Connection tx, String orderId, String reason) throws Exception {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE payments SET status = 'REFUNDED', refunded_at = ?, "
                + "refund_reason = ? WHERE order_id = ? AND status = 'CAPTURED'")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now()));
            ps.setString(2, reason);
            ps.setString(3, orderId);
            if (ps.executeUpdate() == 0) {
                return Optional.empty();
            }
        }
        return findPayment(tx, orderId);
    }

    @Override
    public Optional<Refund> findPayment(Connection tx, String orderId) throws Exception {
        try (PreparedStatement ps = tx.prepareStatement(
                "SELECT payment_id, customer_id, amount_cents, currency FROM payments WHERE order_id = ?")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new Refund(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4)))
                        : Optional.empty();
            }
        }
    }
}
