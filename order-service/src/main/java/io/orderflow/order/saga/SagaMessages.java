package io.orderflow.order.saga;

import io.orderflow.events.OrderStatus;
import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.RefundPayment;
import io.orderflow.events.ReleaseCoupon;
import io.orderflow.events.ReversePoints;
import io.orderflow.events.SagaStep;
import io.orderflow.events.StepOutcome;
import io.orderflow.saga.SagaState;
import io.orderflow.saga.SagaStepState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;

/**
 * The records the saga emits. Their eventIds are derived from the orderId and what happened
 * (each status is entered, each compensation requested and acknowledged, at most once per order),
 * so the same input reprocessed after a crash yields the same eventId and consumers dedupe it.
 */
final class SagaMessages {

    private SagaMessages() {
    }

    static OrderStatusChanged statusChanged(SagaState state, OrderStatus previous, Instant at) {
        return OrderStatusChanged.newBuilder()
                .setEventId(eventId(state.getOrderId(), "status:" + state.getStatus()))
                .setOrderId(state.getOrderId())
                .setOccurredAt(at)
                .setCustomerId(state.getCustomerId())
                .setStatus(state.getStatus())
                .setPreviousStatus(previous)
                .setReason(state.getReason())
                .setSteps(timeline(state))
                .build();
    }

    /**
     * The steps of a FAILED order changed (a late acknowledgement, or a late success being undone):
     * the same status again, so order-service shows the steps and no final status changes.
     */
    static OrderStatusChanged stepsChanged(SagaState state, SagaStep step, String what, Instant at) {
        return OrderStatusChanged.newBuilder()
                .setEventId(eventId(state.getOrderId(), "steps:" + state.getStatus() + ":" + step + ":" + what))
                .setOrderId(state.getOrderId())
                .setOccurredAt(at)
                .setCustomerId(state.getCustomerId())
                .setStatus(state.getStatus())
                .setPreviousStatus(state.getStatus())
                .setReason(state.getReason())
                .setSteps(timeline(state))
                .build();
    }

    /** The command that undoes {@code step}. */
    static SpecificRecord compensation(SagaState state, SagaStep step, Instant at) {
        String orderId = state.getOrderId();
        String eventId = eventId(orderId, "compensate:" + step);
        switch (step) {
            case PAYMENT:
                return RefundPayment.newBuilder()
                        .setEventId(eventId).setOrderId(orderId).setOccurredAt(at)
                        .setReason(state.getReason())
                        .build();
            case COUPON:
                return ReleaseCoupon.newBuilder()
                        .setEventId(eventId).setOrderId(orderId).setOccurredAt(at)
                        .setCouponCode(state.getCouponCode())
                        .setCustomerId(state.getCustomerId())
                        .setReason(state.getReason())
                        .build();
            case POINTS:
                return ReversePoints.newBuilder()
                        .setEventId(eventId).setOrderId(orderId).setOccurredAt(at)
                        .setCustomerId(state.getCustomerId())
                        .setReason(state.getReason())
                        .build();
            default:
                throw new IllegalArgumentException("No compensation for step " + step);
        }
    }

    /** The saga's steps as the order's timeline shows them. */
    static List<StepOutcome> timeline(SagaState state) {
        return state.getSteps().stream().map(SagaMessages::outcome).toList();
    }

    private static StepOutcome outcome(SagaStepState step) {
        return StepOutcome.newBuilder()
                .setStep(step.getStep())
                .setState(step.getState())
                .setDetail(step.getDetail())
                .setUpdatedAt(step.getUpdatedAt())
                .build();
    }

    static String eventId(String orderId, String what) {
        return UUID.nameUUIDFromBytes(("orderflow-saga|" + orderId + '|' + what).getBytes(StandardCharsets.UTF_8))
                .toString();
    }
}
