package io.orderflow.order;

import io.orderflow.events.OrderStatus;
import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.events.RefundPayment;
import io.orderflow.order.payment.PaymentGateway;
import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.consumer.EventHandler;
import io.orderflow.platform.consumer.PoisonEventException;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.kafka.Ids;
import io.orderflow.platform.outbox.Outbox;
import io.orderflow.schemas.Topics;
import java.sql.Connection;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * order-service's consumer (group order-service): applies the saga's status changes to the orders
 * table (and wakes the order's long-poll and SSE waiters once that is committed), and executes
 * RefundPayment compensations through the payment gateway.
 */
public final class OrderEventHandler implements EventHandler {

    private static final Logger log = LoggerFactory.getLogger(OrderEventHandler.class);

    private final Outbox outbox;
    private final PaymentGateway gateway;
    private final OrderWaiters waiters;

    public OrderEventHandler(Outbox outbox, PaymentGateway gateway, OrderWaiters waiters) {
        this.outbox = outbox;
        this.gateway = gateway;
        this.waiters = waiters;
    }

    @Override
    public void handle(ConsumedEvent event, Connection tx) throws Exception {
        if (event.value() instanceof OrderStatusChanged change) {
            if (Orders.applyStatus(tx, change)) {
                if (change.getStatus() == change.getPreviousStatus()) {
                    log.debug("Order {}: steps updated, still {}", change.getOrderId(), change.getStatus());
                } else if (change.getStatus() == OrderStatus.COMPLETED) {
                    log.debug("Order {} is now COMPLETED", change.getOrderId()); // the happy path: DEBUG, as its every step
                } else {
                    log.info("Order {} is now {}{}", change.getOrderId(), change.getStatus(),
                            change.getReason() == null ? "" : " (" + change.getReason() + ")");
                }
                // Woken before the commit, a waiter would read the old status and wait again.
                String orderId = change.getOrderId();
                Database.afterCommit(() -> waiters.changed(orderId));
            } else {
                log.warn("Order {}: ignored status {} (order unknown or already final)", change.getOrderId(), change.getStatus());
            }
        } else if (event.value() instanceof RefundPayment command) {
            refund(tx, command);
        } else {
            throw new PoisonEventException("order-service does not handle " + event.value().getSchema().getFullName());
        }
    }

    private void refund(Connection tx, RefundPayment command) throws Exception {
        String orderId = command.getOrderId();
        PaymentGateway.Refund refund = gateway.refund(tx, orderId, command.getReason()).orElse(null);
        if (refund == null) {
            // Already refunded by an earlier command: acknowledge again, refund nothing.
            refund = gateway.findPayment(tx, orderId)
                    .orElseThrow(() -> new PoisonEventException("No payment for order " + orderId + " to refund"));
            log.info("Order {}: payment {} was already refunded; acknowledging again", orderId, refund.paymentId());
        } else {
            log.info("Order {}: refunded {} {} (payment {}): {}", orderId, refund.amountCents(), refund.currency(),
                    refund.paymentId(), command.getReason());
        }
        outbox.add(tx, Topics.PAYMENTS_EVENTS, orderId, PaymentRefunded.newBuilder()
                .setEventId(Ids.uuid())
                .setOrderId(orderId)
                .setOccurredAt(Instant.now())
                .setPaymentId(refund.paymentId())
                .setCustomerId(refund.customerId())
                .setCurrency(refund.currency())
                .setAmountCents(refund.amountCents())
                .setReason(command.getReason())
                .build());
    }
}
