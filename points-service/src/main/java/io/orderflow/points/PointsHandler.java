package io.orderflow.points;

import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.events.PointsRejectionReason;
import io.orderflow.events.ReversePoints;
import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.consumer.EventHandler;
import io.orderflow.platform.consumer.PoisonEventException;
import io.orderflow.platform.outbox.Outbox;
import io.orderflow.schemas.Topics;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * points-service's reaction to the flow: spend the points redeemed on a paid order and credit the
 * points it earns; undo both when the saga compensates. Runs in the consumer's transaction; answers
 * go to {@code points.events} via the outbox.
 *
 * <p>A reversal is all or nothing. If the customer already spent the points the order earned, the
 * balance cannot absorb the reversal: rather than clamp (which would break balance = SUM(ledger))
 * or go negative, the handler throws {@link PoisonEventException} (no retry can change the rule), the
 * consumer dead-letters the command at once, and the saga marks the order FAILED when its compensation
 * deadline passes: an operator decides, and may redrive it once the balance allows.
 */
final class PointsHandler implements EventHandler {

    private static final Logger log = LoggerFactory.getLogger(PointsHandler.class);

    private final PointsLedger ledger;
    private final ReversedOrders reversedOrders;
    private final Outbox outbox;
    private final long centsPerPoint;

    PointsHandler(PointsLedger ledger, ReversedOrders reversedOrders, Outbox outbox, long centsPerPoint) {
        this.ledger = ledger;
        this.reversedOrders = reversedOrders;
        this.outbox = outbox;
        this.centsPerPoint = centsPerPoint;
    }

    @Override
    public void handle(ConsumedEvent event, Connection tx) throws SQLException {
        SpecificRecord value = event.value();
        if (value instanceof PaymentCompleted payment) {
            apply(tx, payment);
        } else if (value instanceof ReversePoints command) {
            reverse(tx, command);
        } else if (!(value instanceof PaymentRefunded)) {
            throw new PoisonEventException("points-service cannot handle " + value.getSchema().getFullName()
                    + " from " + event.topic());
        }
    }

    /** The customer whose account the event locks: a batch locks its accounts in customer order. */
    @Override
    public String lockKey(ConsumedEvent event) {
        if (event.value() instanceof PaymentCompleted payment) {
            return payment.getCustomerId();
        }
        if (event.value() instanceof ReversePoints command) {
            return command.getCustomerId();
        }
        return event.key();
    }

    void apply(Connection tx, PaymentCompleted p) throws SQLException {
        String orderId = p.getOrderId();
        String customerId = p.getCustomerId();
        long requested = p.getPointsRedeemed();
        if (requested < 0 || p.getAmountCents() < 0) {
            throw new PoisonEventException("Order " + orderId + ": negative pointsRedeemed or amountCents");
        }
        // Three round trips: lock, check, and one write with the ledger rows and the answer (PointsLedger.applyOrder).
        long balance = ledger.lockAccount(tx, customerId);
        PointsLedger.OrderSeen seen = ledger.seen(tx, orderId);
        if (seen.reversed()) {
            reject(tx, p, balance, PointsRejectionReason.ORDER_CANCELLED,
                    "order " + orderId + " was cancelled before its points were applied");
            return;
        }
        if (seen.applied()) {
            log.info("Order {}: points already applied; nothing to do", orderId);
            return;
        }
        if (balance < requested) {
            reject(tx, p, balance, PointsRejectionReason.INSUFFICIENT_BALANCE,
                    "customer " + customerId + " has " + balance + " points, order " + orderId + " needs " + requested);
            return;
        }
        long earned = p.getAmountCents() / centsPerPoint;
        long balanceAfter = balance - requested + earned;
        Outbox.Row answer = outbox.row(Topics.POINTS_EVENTS, orderId,
                PointsEvents.applied(orderId, customerId, requested, earned, balanceAfter));
        if (!ledger.applyOrder(tx, customerId, orderId, requested, earned, Instant.now(), answer)) {
            throw new IllegalStateException("Order " + orderId + ": balance of " + customerId + " changed under its lock");
        }
        outbox.written();
        log.debug("Order {}: customer {} redeemed {} and earned {} points; balance {}", orderId, customerId, requested,
                earned, balanceAfter);
    }

    void reverse(Connection tx, ReversePoints c) throws SQLException {
        String orderId = c.getOrderId();
        String customerId = c.getCustomerId();
        long balance = ledger.lockAccount(tx, customerId);
        reversedOrders.add(tx, orderId, customerId, Instant.now());
        List<LedgerEntry> entries = ledger.forOrder(tx, orderId);
        boolean reversedBefore = entries.stream().anyMatch(e -> e.kind() == LedgerEntry.Kind.REVERSE);
        if (entries.isEmpty() || reversedBefore) {
            log.info("Order {}: no points to reverse ({}); order locked against a late payment ({})", orderId,
                    reversedBefore ? "reversed before" : "none applied", c.getReason());
            outbox.add(tx, Topics.POINTS_EVENTS, orderId, PointsEvents.reversed(orderId, customerId, 0, balance));
            return;
        }
        if (entries.stream().anyMatch(e -> !e.customerId().equals(customerId))) {
            throw new PoisonEventException("Order " + orderId + ": ReversePoints for customer " + customerId
                    + " but the order's points belong to " + entries.get(0).customerId());
        }
        long reversedDelta = -entries.stream().mapToLong(LedgerEntry::delta).sum();
        if (balance + reversedDelta < 0) {
            throw new PoisonEventException("Order " + orderId + ": customer " + customerId + " already spent the points "
                    + "it earned; balance " + balance + " cannot absorb a reversal of " + reversedDelta);
        }
        Instant now = Instant.now();
        // Credits first, so no intermediate balance goes below 0.
        for (LedgerEntry e : entries.stream().sorted((a, b) -> Long.compare(a.delta(), b.delta())).toList()) {
            if (!ledger.post(tx, new LedgerEntry(customerId, orderId, -e.delta(), LedgerEntry.Kind.REVERSE,
                    "undo " + e.kind() + ": " + c.getReason(), now))) {
                throw new IllegalStateException("Order " + orderId + ": balance of " + customerId + " changed under its lock");
            }
        }
        long balanceAfter = ledger.balance(tx, customerId);
        log.info("Order {}: points of customer {} reversed by {}; balance {}", orderId, customerId, reversedDelta, balanceAfter);
        outbox.add(tx, Topics.POINTS_EVENTS, orderId, PointsEvents.reversed(orderId, customerId, reversedDelta, balanceAfter));
    }

    private void reject(Connection tx, PaymentCompleted p, long balance, PointsRejectionReason reason, String detail)
            throws SQLException {
        log.info("Order {}: points rejected: {} ({})", p.getOrderId(), reason, detail);
        outbox.add(tx, Topics.POINTS_EVENTS, p.getOrderId(), PointsEvents.rejected(p.getOrderId(), p.getCustomerId(),
                p.getPointsRedeemed(), balance, reason, detail));
    }
}
