package io.orderflow.order.payment;

import java.sql.Connection;
import java.time.Instant;
import java.util.Optional;

/**
 * The payment provider, behind an interface so the simulation can be swapped for a real one.
 * Charging is the only synchronous step of checkout.
 */
public interface PaymentGateway {

    /**
     * Charges the customer; returns the capture, which checkout records in the {@code payments} table in the
     * same statement as the order (so a capture row exists exactly when its order does).
     *
     * <p>Checkout calls it before it knows whether the request is a replay of an earlier one (that check is
     * part of the one statement that records the order). So the charge carries {@code chargeKey}: the
     * request's Idempotency-Key when it has one, else the new order's id. A real provider must be given it
     * as its own idempotency key (most take one), so that a retried request is never charged twice; the
     * simulation's charge has no effect until checkout records it.
     */
    Capture charge(String chargeKey, String customerId, long amountCents, String currency) throws PaymentDeclinedException;

    /** Refunds the order's payment once; a repeated call refunds nothing and returns empty. */
    Optional<Refund> refund(Connection tx, String orderId, String reason) throws Exception;

    /** The order's payment, whatever its status. */
    Optional<Refund> findPayment(Connection tx, String orderId) throws Exception;

    /** A charge the gateway captured, as checkout records it. */
    record Capture(String paymentId, Instant capturedAt) {
    }

    /** A payment as refunded (or refundable). */
    record Refund(String paymentId, String customerId, long amountCents, String currency) {
    }

    /** The gateway declined the charge (answered 402 to the caller; nothing is written). */
    class PaymentDeclinedException extends Exception {
        private static final long serialVersionUID = 1L;

        public PaymentDeclinedException(String message) {
            super(message);
        }
    }
}
