package io.orderflow.order.saga;

import io.orderflow.events.CouponRedeemed;
import io.orderflow.events.CouponRejected;
import io.orderflow.events.CouponReleased;
import io.orderflow.events.OrderStatus;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.events.PointsApplied;
import io.orderflow.events.PointsRejected;
import io.orderflow.events.PointsReversed;
import io.orderflow.events.SagaStep;
import io.orderflow.events.StepOutcome;
import io.orderflow.events.StepState;
import io.orderflow.platform.avro.AvroBinary;
import io.orderflow.saga.SagaState;
import io.orderflow.saga.SagaStepState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order saga's transitions, free of Kafka: (state, input, time) → (new state, records to emit).
 *
 * <pre>
 * step      succeeds with    fails with       undone by        acknowledged by
 * PAYMENT   PaymentCompleted -                RefundPayment    PaymentRefunded
 * COUPON    CouponRedeemed   CouponRejected   ReleaseCoupon    CouponReleased   (only when a code was given)
 * POINTS    PointsApplied    PointsRejected   ReversePoints    PointsReversed
 * </pre>
 *
 * <ul>
 *   <li>PENDING → COMPLETED when every required step succeeded.</li>
 *   <li>PENDING → COMPENSATING on the first rejection or when the step deadline passes: every step
 *       that succeeded or may still succeed is undone, and the payment refunded.</li>
 *   <li>COMPENSATING → CANCELLED when every requested undo is acknowledged, or → FAILED when the
 *       compensation deadline passes first.</li>
 *   <li>A deadline that passes while every step it waits for is alive and behind a backlog is extended
 *       instead ({@link #deadlineCheck(SagaState, Instant, SagaSettings, StepProgress.Lookup)}), up to
 *       {@link SagaSettings#maxBacklogWait()} from when the wait began.</li>
 *   <li>A success that arrives after compensation began is undone at once (once per step).</li>
 *   <li>COMPLETED, CANCELLED and FAILED never change; an input already applied (same eventId) changes nothing.
 *       A FAILED saga still records the acknowledgements and successes that come after it, and emits
 *       the order's steps again (an OrderStatusChanged FAILED → FAILED) so what is still owed shows.</li>
 *   <li>A finished saga is deleted {@link SagaSettings#retention()} after it finished ({@link #purgeDue}).
 *       An input older than the retention for an order without saga is logged and ignored: it belongs to
 *       a saga that was deleted, and must not start a new one.</li>
 * </ul>
 *
 * <p>Step results that arrive before PaymentCompleted (the saga read the results' partition first,
 * a replay, or a bug) are kept in a state without status, with a deadline of one step deadline from
 * the first of them. PaymentCompleted in time starts the saga with them. When the deadline passes
 * first, the orphan is resolved: every step that succeeded is undone (ReleaseCoupon, ReversePoints,
 * built from what the results carried), no OrderStatusChanged is emitted (the saga never saw the order
 * paid), and the orphan is deleted after the retention. A PaymentCompleted that still comes after that
 * starts the saga and compensates it at once (the steps are being undone), so the order still ends
 * CANCELLED and its payment is refunded.
 */
public final class Saga {

    /** Reason prefixes of a saga that did not complete (OrderStatusChanged.reason starts with one). */
    public static final String COUPON_REJECTED = "COUPON_REJECTED";
    public static final String POINTS_REJECTED = "POINTS_REJECTED";
    public static final String TIMEOUT = "TIMEOUT";

    private static final Logger log = LoggerFactory.getLogger(Saga.class);
    private static final List<SagaStep> STEPS = List.of(SagaStep.PAYMENT, SagaStep.COUPON, SagaStep.POINTS);

    /**
     * What one input or deadline did to a saga.
     *
     * @param state the saga after it (the object given when nothing changed, so null for an ignored
     *              input to an order without saga)
     * @param emitted records to publish: OrderStatusChanged and compensation commands
     * @param changed whether the state must be stored
     */
    public record Transition(SagaState state, List<SpecificRecord> emitted, boolean changed) {
        public Transition {
            emitted = List.copyOf(emitted);
        }
    }

    private final SagaState state;
    private final SagaSettings settings;
    private final Instant now;
    private final List<SpecificRecord> emitted = new ArrayList<>();
    /** The extended deadline {@link #behindBacklog} found. */
    private Instant extendUntil;

    private Saga(SagaState state, SagaSettings settings, Instant now) {
        this.state = state;
        this.settings = settings;
        this.now = now;
    }

    /** A saga that has seen nothing yet. */
    public static SagaState initial(String orderId, Instant now) {
        List<SagaStepState> steps = new ArrayList<>();
        for (SagaStep step : STEPS) {
            steps.add(SagaStepState.newBuilder().setStep(step).setState(StepState.PENDING).setUpdatedAt(now).build());
        }
        return SagaState.newBuilder()
                .setOrderId(orderId)
                .setUpdatedAt(now)
                .setSteps(steps)
                .setAppliedEventIds(new ArrayList<>())
                .build();
    }

    /** The saga's steps as the order's timeline shows them (as in OrderStatusChanged.steps). */
    public static List<StepOutcome> timeline(SagaState state) {
        return SagaMessages.timeline(state);
    }

    /**
     * Applies one input event of the flow.
     *
     * @param current the saga so far, or null when the order has none yet
     * @param now the input's timestamp
     * @throws IllegalArgumentException for an event of another order than {@code orderId} (a poison record)
     */
    public static Transition apply(SagaState current, String orderId, SpecificRecord event, Instant now,
                                   SagaSettings settings) {
        return apply(current, orderId, event, now, settings, StepProgress.UNKNOWN);
    }

    /**
     * Applies one input event of the flow read at {@code offset} of its partition: a PaymentCompleted
     * keeps it as the order's place in the queue its steps work through ({@code paymentOffset}).
     *
     * @param offset the input's offset, or {@link StepProgress#UNKNOWN}
     */
    public static Transition apply(SagaState current, String orderId, SpecificRecord event, Instant now,
                                   SagaSettings settings, long offset) {
        Objects.requireNonNull(event, "event");
        String eventOrderId = String.valueOf(event.get(event.getSchema().getField("orderId").pos()));
        if (!eventOrderId.equals(orderId)) {
            // Applying it to either order would be wrong: the record is poison (dead-lettered by the caller).
            throw new IllegalArgumentException(type(event) + " of order " + eventOrderId + " arrived keyed by "
                    + orderId);
        }
        if (current == null && olderThanRetention(event, now, settings)) {
            log.warn("Order {}: {} {} from {} is older than the saga retention {} and the order has no saga; "
                    + "ignored", orderId, type(event), AvroBinary.eventId(event), occurredAt(event), settings.retention());
            return unchanged(null);
        }
        SagaState before = current != null ? current : initial(orderId, now);
        String eventId = AvroBinary.eventId(event);
        if (before.getAppliedEventIds().contains(eventId)) {
            log.debug("Order {}: {} {} already applied; ignored", orderId, type(event), eventId);
            return unchanged(current);
        }
        Saga saga = new Saga(copy(before), settings, now);
        if (!saga.dispatch(event, offset)) {
            return unchanged(current);
        }
        saga.state.getAppliedEventIds().add(eventId);
        saga.state.setUpdatedAt(now);
        return new Transition(saga.state, saga.emitted, true);
    }

    /** {@link #deadlineCheck(SagaState, Instant, SagaSettings, StepProgress.Lookup)} knowing no step's progress. */
    public static Transition deadlineCheck(SagaState current, Instant now, SagaSettings settings) {
        return deadlineCheck(current, now, settings, StepProgress.Lookup.NONE);
    }

    /**
     * Checks the saga's deadline at wall-clock time {@code now}: PENDING → COMPENSATING, COMPENSATING →
     * FAILED, results without PaymentCompleted → resolved orphan.
     *
     * <p>A PENDING or COMPENSATING saga whose every awaited step is <em>alive and behind</em> gets its
     * deadline extended instead: the step answered in this task within the last step (compensation)
     * deadline, and the furthest order it answered for is before this one (its PaymentCompleted offset;
     * for compensations, when compensation began). It is then working through a backlog in order and
     * will reach this order. The new deadline is when that step would stop counting as alive (its last
     * answer + the deadline), checked again then, and never later than {@code waitingSince +
     * maxBacklogWait}. A step that never answered here, went silent, or answered a later order (it
     * skipped this one) gets no extension: TIMEOUT, or FAILED, as without progress.
     */
    public static Transition deadlineCheck(SagaState current, Instant now, SagaSettings settings,
                                           StepProgress.Lookup progress) {
        Instant deadline = current.getDeadline();
        if (deadline == null || now.isBefore(deadline)) {
            return unchanged(current);
        }
        Saga saga = new Saga(copy(current), settings, now);
        if (current.getStatus() == OrderStatus.PENDING) {
            String behind = saga.behindBacklog(saga.pendingSteps(), StepProgress.Kind.RESULT, settings.stepDeadline(),
                    current.getPaymentOffset(), progress);
            if (!saga.extended(behind)) {
                saga.timeOut(behind);
            }
        } else if (current.getStatus() == OrderStatus.COMPENSATING) {
            Long began = current.getWaitingSince() == null ? null : current.getWaitingSince().toEpochMilli();
            String behind = saga.behindBacklog(saga.outstandingCompensations(), StepProgress.Kind.ACKNOWLEDGEMENT,
                    settings.compensationDeadline(), began, progress);
            if (!saga.extended(behind)) {
                saga.fail(behind);
            }
        } else if (current.getStatus() == null) {
            saga.resolveOrphan();
        } else {
            log.warn("Order {}: deadline {} on a saga in status {}; dropped", current.getOrderId(), deadline,
                    current.getStatus());
            saga.state.setDeadline(null);
        }
        saga.state.setUpdatedAt(now);
        return new Transition(saga.state, saga.emitted, true);
    }

    /**
     * What {@code event} says about its participant's progress, for the saga's task to remember: a step
     * result (position: the order's PaymentCompleted offset) or the acknowledgement of a compensation
     * (position: when the order's compensation began), with the position taken from {@code current},
     * the order's saga before the event (unknown without one).
     */
    public static Optional<StepProgress.Signal> signal(SagaState current, SpecificRecord event) {
        SagaStep step;
        StepProgress.Kind kind;
        if (event instanceof CouponRedeemed || event instanceof CouponRejected) {
            step = SagaStep.COUPON;
            kind = StepProgress.Kind.RESULT;
        } else if (event instanceof PointsApplied || event instanceof PointsRejected) {
            step = SagaStep.POINTS;
            kind = StepProgress.Kind.RESULT;
        } else if (event instanceof CouponReleased) {
            step = SagaStep.COUPON;
            kind = StepProgress.Kind.ACKNOWLEDGEMENT;
        } else if (event instanceof PointsReversed) {
            step = SagaStep.POINTS;
            kind = StepProgress.Kind.ACKNOWLEDGEMENT;
        } else if (event instanceof PaymentRefunded) {
            step = SagaStep.PAYMENT;
            kind = StepProgress.Kind.ACKNOWLEDGEMENT;
        } else {
            return Optional.empty();
        }
        long position = StepProgress.UNKNOWN;
        if (current != null && current.getStatus() != null) {
            if (kind == StepProgress.Kind.RESULT && current.getPaymentOffset() != null) {
                position = current.getPaymentOffset();
            } else if (kind == StepProgress.Kind.ACKNOWLEDGEMENT && current.getStatus() != OrderStatus.PENDING
                    && current.getStatus() != OrderStatus.COMPLETED && current.getWaitingSince() != null) {
                position = current.getWaitingSince().toEpochMilli();
            }
        }
        return Optional.of(new StepProgress.Signal(step, kind, position));
    }

    /** When the saga must be looked at without an input: its deadline, else when it is to be deleted; null for never. */
    public static Instant nextDue(SagaState state) {
        return state.getDeadline() != null ? state.getDeadline() : state.getPurgeAt();
    }

    /** Whether the saga is finished (or a resolved orphan) and its retention has passed: delete it. */
    public static boolean purgeDue(SagaState state, Instant now) {
        return state.getDeadline() == null && state.getPurgeAt() != null && !now.isBefore(state.getPurgeAt());
    }

    /** @return whether the event changed the saga */
    private boolean dispatch(SpecificRecord event, long offset) {
        if (event instanceof PaymentCompleted e) {
            return start(e, offset);
        } else if (event instanceof CouponRedeemed e) {
            rememberEarly(e.getCustomerId(), e.getCouponCode());
            return succeeded(SagaStep.COUPON, "redeemed " + e.getCouponCode() + ", discount " + e.getDiscountCents());
        } else if (event instanceof CouponRejected e) {
            rememberEarly(e.getCustomerId(), e.getCouponCode());
            return rejected(SagaStep.COUPON, e.getReason() + " " + e.getDetail());
        } else if (event instanceof CouponReleased e) {
            return acknowledged(SagaStep.COUPON, e.getReleased()
                    ? "released " + e.getCouponCode()
                    : "nothing to release; " + e.getCouponCode() + " locked for this order");
        } else if (event instanceof PointsApplied e) {
            rememberEarly(e.getCustomerId(), null);
            return succeeded(SagaStep.POINTS, "redeemed " + e.getRedeemed() + ", earned " + e.getEarned());
        } else if (event instanceof PointsRejected e) {
            rememberEarly(e.getCustomerId(), null);
            return rejected(SagaStep.POINTS, e.getReason() + " " + e.getDetail());
        } else if (event instanceof PointsReversed e) {
            return acknowledged(SagaStep.POINTS, e.getReversedDelta() == 0
                    ? "nothing to reverse; locked for this order"
                    : "reversed, balance changed by " + e.getReversedDelta());
        } else if (event instanceof PaymentRefunded e) {
            return acknowledged(SagaStep.PAYMENT, "refunded " + e.getAmountCents() + " " + e.getCurrency());
        }
        log.warn("Order {}: the saga does not handle {}; ignored", orderId(), type(event));
        return false;
    }

    /** What a compensation before PaymentCompleted needs, taken from the step results (PaymentCompleted overwrites it). */
    private void rememberEarly(String customerId, String couponCode) {
        if (state.getStatus() != null) {
            return;
        }
        if (state.getCustomerId() == null) {
            state.setCustomerId(customerId);
        }
        if (state.getCouponCode() == null && couponCode != null) {
            state.setCouponCode(couponCode);
        }
    }

    private boolean start(PaymentCompleted e, long offset) {
        if (state.getStatus() != null) {
            log.warn("Order {}: second PaymentCompleted {} for a saga already {}; ignored", orderId(), e.getEventId(),
                    state.getStatus());
            return false;
        }
        boolean orphanResolved = isResolvedOrphan();
        state.setCustomerId(e.getCustomerId());
        state.setPaymentId(e.getPaymentId());
        state.setCouponCode(e.getCouponCode());
        state.setCurrency(e.getCurrency());
        state.setAmountCents(e.getAmountCents());
        state.setDiscountCents(e.getDiscountCents());
        state.setPointsRedeemed(e.getPointsRedeemed());
        set(step(SagaStep.PAYMENT), StepState.SUCCEEDED,
                "paid " + e.getAmountCents() + " " + e.getCurrency() + " (payment " + e.getPaymentId() + ")");
        SagaStepState coupon = step(SagaStep.COUPON);
        if (e.getCouponCode() == null) {
            if (coupon.getState() != StepState.PENDING) {
                log.warn("Order {}: coupon result ({}) for an order without coupon; ignored", orderId(), coupon.getState());
            }
            set(coupon, StepState.NOT_REQUIRED, null);
        }
        state.setStatus(OrderStatus.PENDING);
        state.setDeadline(now.plus(settings.stepDeadline()));
        state.setPaymentOffset(offset == StepProgress.UNKNOWN ? null : offset);
        state.setWaitingSince(now);
        state.setDeadlineExtensions(0);
        log.debug("Order {}: saga started, waiting for {} until {}", orderId(), pendingSteps(), state.getDeadline());

        // Results that arrived before the payment decide at once.
        Optional<SagaStepState> firstRejection = state.getSteps().stream()
                .filter(s -> s.getState() == StepState.REJECTED)
                .min(Comparator.comparing(SagaStepState::getUpdatedAt));
        if (orphanResolved) {
            log.warn("Order {}: PaymentCompleted after the results without it were resolved ({}); compensating",
                    orderId(), state.getReason());
            compensate(state.getReason());
        } else if (firstRejection.isPresent()) {
            compensate(rejectionReason(firstRejection.get()));
        } else if (allRequiredSucceeded()) {
            complete();
        }
        return true;
    }

    private boolean succeeded(SagaStep name, String detail) {
        SagaStepState step = step(name);
        OrderStatus status = state.getStatus();
        if (status == OrderStatus.COMPLETED) {
            log.warn("Order {}: {} succeeded after the order COMPLETED; ignored", orderId(), name);
            return false;
        }
        if (step.getState() == StepState.NOT_REQUIRED) {
            log.warn("Order {}: {} succeeded but the order did not ask for it; ignored", orderId(), name);
            return false;
        }
        if (step.getCompensationRequested()) {
            log.info("Order {}: {} succeeded after its compensation was requested; that request undoes it", orderId(), name);
            return true;
        }
        if (step.getState() == StepState.SUCCEEDED) {
            log.info("Order {}: {} succeeded again (another event); nothing to do", orderId(), name);
            return false;
        }
        if (step.getState() == StepState.REJECTED) {
            log.warn("Order {}: {} succeeded after it was rejected; treating the success as real", orderId(), name);
        }
        set(step, StepState.SUCCEEDED, detail);
        if (status == null && isResolvedOrphan()) {
            log.warn("Order {}: {} succeeded after the results without PaymentCompleted were resolved; undoing it",
                    orderId(), name);
            requestCompensation(step);
        } else if (status == null) {
            // Normal under load: the participants read payments.events ahead of the saga. DEBUG, as the happy path.
            log.debug("Order {}: {} succeeded before PaymentCompleted; kept until the payment arrives", orderId(), name);
            startEarlyDeadline();
        } else if (status == OrderStatus.PENDING) {
            log.debug("Order {}: {} succeeded", orderId(), name);
            if (allRequiredSucceeded()) {
                complete();
            }
        } else {
            log.info("Order {}: {} succeeded while the order is {}; compensating it at once", orderId(), name, status);
            requestCompensation(step);
            stepsChangedAfterFailure(step, "compensation");
        }
        return true;
    }

    private boolean rejected(SagaStep name, String detail) {
        SagaStepState step = step(name);
        OrderStatus status = state.getStatus();
        if (status == OrderStatus.COMPLETED) {
            log.warn("Order {}: {} rejected ({}) after the order COMPLETED; ignored", orderId(), name, detail);
            return false;
        }
        if (step.getState() == StepState.NOT_REQUIRED) {
            log.warn("Order {}: {} rejected but the order did not ask for it; ignored", orderId(), name);
            return false;
        }
        if (step.getState() == StepState.REJECTED) {
            log.info("Order {}: {} rejected again (another event); nothing to do", orderId(), name);
            return false;
        }
        if (step.getState() == StepState.SUCCEEDED) {
            log.warn("Order {}: {} rejected ({}) after it succeeded; ignored", orderId(), name, detail);
            return false;
        }
        // PENDING, or being (or already) undone because it was still PENDING when compensation began.
        set(step, StepState.REJECTED, detail);
        if (status == null) {
            log.info("Order {}: {} rejected before PaymentCompleted; kept until the payment arrives", orderId(), name);
            startEarlyDeadline();
        } else if (status == OrderStatus.PENDING) {
            compensate(rejectionReason(step));
        } else {
            log.info("Order {}: {} rejected ({}) while the order is {}{}", orderId(), name, detail, status,
                    step.getCompensationRequested() && !step.getCompensationAcknowledged()
                            ? "; still waiting for the acknowledgement of its compensation" : "");
        }
        return true;
    }

    private boolean acknowledged(SagaStep name, String detail) {
        SagaStepState step = step(name);
        if (state.getStatus() == OrderStatus.COMPLETED || !step.getCompensationRequested()) {
            log.warn("Order {}: compensation of {} acknowledged ({}) but never requested (order {}); ignored",
                    orderId(), name, detail, state.getStatus());
            return false;
        }
        if (step.getCompensationAcknowledged()) {
            log.info("Order {}: compensation of {} acknowledged again; nothing to do", orderId(), name);
            return false;
        }
        step.setCompensationAcknowledged(true);
        if (step.getState() == StepState.REJECTED) {
            step.setUpdatedAt(now); // a rejected step had nothing to undo: it stays REJECTED, with its reason
        } else {
            set(step, StepState.COMPENSATED, detail);
        }
        log.info("Order {}: compensation of {} acknowledged: {}", orderId(), name, detail);
        if (state.getStatus() == OrderStatus.COMPENSATING && outstandingCompensations().isEmpty()) {
            transition(OrderStatus.CANCELLED);
        } else if (state.getStatus() == OrderStatus.FAILED) {
            log.warn("Order {}: late acknowledgement for {} after the order FAILED; status stays FAILED", orderId(), name);
            stepsChangedAfterFailure(step, "acknowledged");
        }
        return true;
    }

    /** A FAILED order shows its steps again: an operator sees which compensations are still owed. */
    private void stepsChangedAfterFailure(SagaStepState step, String what) {
        if (state.getStatus() == OrderStatus.FAILED) {
            emitted.add(SagaMessages.stepsChanged(state, step.getStep(), what, now));
        }
    }

    /** The first result without PaymentCompleted starts the clock: the order gets a decision even if it never comes. */
    private void startEarlyDeadline() {
        if (state.getDeadline() == null && !isResolvedOrphan()) {
            state.setDeadline(now.plus(settings.stepDeadline()));
        }
    }

    /** Results without PaymentCompleted whose deadline passed and which were undone. */
    private boolean isResolvedOrphan() {
        return state.getStatus() == null && state.getPurgeAt() != null;
    }

    /** No PaymentCompleted within the step deadline of the first result: undo what succeeded, emit no status. */
    private void resolveOrphan() {
        state.setReason(TIMEOUT + ": no PaymentCompleted within " + settings.stepDeadline() + " of the first step result");
        List<SagaStep> undone = new ArrayList<>();
        for (SagaStepState step : state.getSteps()) {
            if (step.getState() == StepState.SUCCEEDED) {
                requestCompensation(step);
                undone.add(step.getStep());
            }
        }
        state.setDeadline(null);
        state.setPurgeAt(now.plus(settings.retention()));
        log.warn("Order {}: step results but no PaymentCompleted by {}; undoing [{}], no status for an order never "
                + "seen paid", orderId(), now, join(undone));
    }

    /**
     * Whether every step in {@code awaited} is alive and behind this order (see {@link #deadlineCheck}).
     *
     * @param position this order's position (PaymentCompleted offset, or when compensation began), null if unknown
     * @return null when all are (and {@link #extendUntil} is set), else why not
     */
    private String behindBacklog(List<SagaStep> awaited, StepProgress.Kind kind, Duration window, Long position,
                                 StepProgress.Lookup progress) {
        if (awaited.isEmpty() || position == null || state.getWaitingSince() == null) {
            return "no position known for this order";
        }
        Instant cap = state.getWaitingSince().plus(settings.maxBacklogWait());
        if (!now.isBefore(cap)) {
            return "waited the longest allowed, " + settings.maxBacklogWait();
        }
        Instant until = cap;
        for (SagaStep step : awaited) {
            StepProgress p = progress.of(step, kind);
            if (p == null) {
                return step + " never answered in this partition";
            }
            Instant aliveUntil = p.lastAt().plus(window);
            if (!now.isBefore(aliveUntil)) {
                return step + " silent since " + p.lastAt();
            }
            // A result is for one order, its offset ours only if it is ours; compensations begun in the same
            // millisecond as ours may be on either side of it.
            boolean behind = kind == StepProgress.Kind.RESULT ? p.position() < position : p.position() <= position;
            if (!behind) {
                return step + " answered a later order (position " + p.position() + " > " + position + ")";
            }
            until = until.isBefore(aliveUntil) ? until : aliveUntil;
        }
        extendUntil = until;
        return null;
    }

    /** Extends the deadline to {@link #extendUntil} when {@code whyNot} is null; false otherwise. */
    private boolean extended(String whyNot) {
        if (whyNot != null) {
            return false;
        }
        Instant passed = state.getDeadline();
        state.setDeadline(extendUntil);
        state.setDeadlineExtensions(state.getDeadlineExtensions() + 1);
        List<SagaStep> awaited = state.getStatus() == OrderStatus.PENDING ? pendingSteps() : outstandingCompensations();
        // The first extension of a saga at INFO: in a backlog every waiting saga is extended again and again.
        String message = "Order {}: {} deadline {} passed but {} still answers, behind this order; extended to {} ({}x)";
        Object[] args = {orderId(), state.getStatus(), passed, join(awaited), extendUntil, state.getDeadlineExtensions()};
        if (state.getDeadlineExtensions() == 1) {
            log.info(message, args);
        } else {
            log.debug(message, args);
        }
        return true;
    }

    /** What a reason adds when the deadline had been extended: how often, and why it applied in the end. */
    private String afterExtensions(String whyNot) {
        return state.getDeadlineExtensions() == 0 ? ""
                : " (deadline extended " + state.getDeadlineExtensions() + "x while it worked through a backlog; then "
                        + whyNot + ")";
    }

    private void timeOut(String whyNot) {
        log.warn("Order {}: step deadline {} passed while waiting for {} ({})", orderId(), state.getDeadline(),
                pendingSteps(), whyNot);
        compensate(TIMEOUT + ": no answer from " + join(pendingSteps()) + afterExtensions(whyNot));
    }

    private void fail(String whyNot) {
        List<SagaStep> missing = outstandingCompensations();
        for (SagaStep name : missing) {
            set(step(name), StepState.FAILED,
                    "compensation not acknowledged within " + settings.compensationDeadline());
        }
        state.setReason(state.getReason() + "; compensation not acknowledged: " + join(missing) + afterExtensions(whyNot));
        log.error("Order {}: compensation deadline passed without acknowledgement of {} ({}); FAILED, needs an operator",
                orderId(), join(missing), whyNot);
        transition(OrderStatus.FAILED);
    }

    private void complete() {
        state.setReason(null);
        transition(OrderStatus.COMPLETED);
    }

    /** PENDING → COMPENSATING: undo every step that succeeded or may still succeed, and refund. */
    private void compensate(String reason) {
        state.setReason(reason);
        for (SagaStepState step : state.getSteps()) {
            if (step.getState() == StepState.SUCCEEDED || step.getState() == StepState.PENDING) {
                requestCompensation(step);
            }
        }
        transition(OrderStatus.COMPENSATING);
    }

    private void requestCompensation(SagaStepState step) {
        step.setCompensationRequested(true);
        set(step, StepState.COMPENSATING, step.getDetail());
        emitted.add(SagaMessages.compensation(state, step.getStep(), now));
        log.info("Order {}: requested compensation of {}", orderId(), step.getStep());
    }

    private void transition(OrderStatus next) {
        OrderStatus previous = state.getStatus();
        state.setStatus(next);
        state.setDeadline(next == OrderStatus.COMPENSATING ? now.plus(settings.compensationDeadline()) : null);
        if (next == OrderStatus.COMPENSATING) {
            state.setWaitingSince(now);
            state.setDeadlineExtensions(0);
        }
        state.setPurgeAt(isFinal(next) ? now.plus(settings.retention()) : null);
        emitted.add(SagaMessages.statusChanged(state, previous, now));
        // The happy path (→ COMPLETED) at DEBUG: thousands of orders a second must not be thousands of console lines.
        if (next == OrderStatus.COMPLETED) {
            log.debug("Order {}: {} → {}", orderId(), previous, next);
        } else {
            log.info("Order {}: {} → {}{}", orderId(), previous, next,
                    state.getReason() == null ? "" : " (" + state.getReason() + ")");
        }
    }

    private boolean allRequiredSucceeded() {
        return state.getSteps().stream()
                .allMatch(s -> s.getState() == StepState.SUCCEEDED || s.getState() == StepState.NOT_REQUIRED);
    }

    private List<SagaStep> pendingSteps() {
        return state.getSteps().stream().filter(s -> s.getState() == StepState.PENDING)
                .map(SagaStepState::getStep).toList();
    }

    private List<SagaStep> outstandingCompensations() {
        return state.getSteps().stream()
                .filter(s -> s.getCompensationRequested() && !s.getCompensationAcknowledged())
                .map(SagaStepState::getStep).toList();
    }

    private static String rejectionReason(SagaStepState step) {
        String prefix = step.getStep() == SagaStep.COUPON ? COUPON_REJECTED : POINTS_REJECTED;
        return prefix + ": " + step.getDetail();
    }

    private void set(SagaStepState step, StepState value, String detail) {
        step.setState(value);
        step.setDetail(detail);
        step.setUpdatedAt(now);
    }

    private SagaStepState step(SagaStep name) {
        return state.getSteps().stream().filter(s -> s.getStep() == name).findFirst()
                .orElseThrow(() -> new IllegalStateException("Order " + orderId() + ": saga has no step " + name));
    }

    private String orderId() {
        return state.getOrderId();
    }

    private static boolean isFinal(OrderStatus status) {
        return status == OrderStatus.COMPLETED || status == OrderStatus.CANCELLED || status == OrderStatus.FAILED;
    }

    private static boolean olderThanRetention(SpecificRecord event, Instant now, SagaSettings settings) {
        Instant occurredAt = occurredAt(event);
        return occurredAt != null && occurredAt.isBefore(now.minus(settings.retention()));
    }

    /** When the event happened by its own account (a redrive or replay gives it a new record timestamp, not this). */
    private static Instant occurredAt(SpecificRecord event) {
        Schema.Field field = event.getSchema().getField("occurredAt");
        return field == null ? null : (Instant) event.get(field.pos());
    }

    private static Transition unchanged(SagaState state) {
        return new Transition(state, List.of(), false);
    }

    private static String join(List<SagaStep> steps) {
        return steps.stream().map(SagaStep::name).collect(Collectors.joining(", "));
    }

    private static String type(SpecificRecord event) {
        return event.getSchema().getName();
    }

    /** A deep copy: a transition never mutates the state it was given. */
    private static SagaState copy(SagaState state) {
        List<SagaStepState> steps = new ArrayList<>();
        for (SagaStepState step : state.getSteps()) {
            steps.add(SagaStepState.newBuilder(step).build());
        }
        return SagaState.newBuilder(state)
                .setSteps(steps)
                .setAppliedEventIds(new ArrayList<>(state.getAppliedEventIds()))
                .build();
    }
}
