package io.orderflow.points;

import io.orderflow.events.PointsApplied;
import io.orderflow.events.PointsRejected;
import io.orderflow.events.PointsRejectionReason;
import io.orderflow.events.PointsReversed;
import io.orderflow.platform.kafka.Ids;
import java.time.Instant;

/** The events points-service emits, each with a fresh eventId and the time it is made. */
final class PointsEvents {

    private PointsEvents() {
    }

    static PointsApplied applied(String orderId, String customerId, long redeemed, long earned, long balanceAfter) {
        return PointsApplied.newBuilder().setEventId(newId()).setOrderId(orderId).setOccurredAt(Instant.now())
                .setCustomerId(customerId).setRedeemed(redeemed).setEarned(earned).setBalanceAfter(balanceAfter).build();
    }

    static PointsRejected rejected(String orderId, String customerId, long requested, long balance,
                                   PointsRejectionReason reason, String detail) {
        return PointsRejected.newBuilder().setEventId(newId()).setOrderId(orderId).setOccurredAt(Instant.now())
                .setCustomerId(customerId).setRequested(requested).setBalance(balance).setReason(reason)
                .setDetail(detail).build();
    }

    static PointsReversed reversed(String orderId, String customerId, long reversedDelta, long balanceAfter) {
        return PointsReversed.newBuilder().setEventId(newId()).setOrderId(orderId).setOccurredAt(Instant.now())
                .setCustomerId(customerId).setReversedDelta(reversedDelta).setBalanceAfter(balanceAfter).build();
    }

    private static String newId() {
        return Ids.uuid();
    }
}
