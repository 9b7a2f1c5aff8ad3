package io.orderflow.order.payment;

import java.sql.Connection;
import java.util.Optional;

/**
 * The payment provider, behind an interface so the simulation can be swapped for a real one.
 * Charging is the only synchronous step of checkout.
 */
public interface PaymentGateway {

    /** Charges the customer within the checkout transaction; returns the payment id. */
    String charge(Connection tx, String orderId, String customerId, long amountCents, String currency)
            throws Exception;

    /** Refunds the order's payment once; a repeated call refunds nothing and returns empty. */
    Optional<Refund> refund(Connection tx, String orderId, String reason) throws Exception;

    /** The order's payment, whatever its status. */
    Optional<Refund> findPayment(Connection tx, String orderId) throws Exception;

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
