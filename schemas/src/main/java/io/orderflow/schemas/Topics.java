package io.orderflow.schemas;

import io.orderflow.events.CouponDefinition;
import io.orderflow.events.CouponRedeemed;
import io.orderflow.events.CouponRejected;
import io.orderflow.events.CouponReleased;
import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.events.PointsApplied;
import io.orderflow.events.PointsRejected;
import io.orderflow.events.PointsReversed;
import io.orderflow.events.RefundPayment;
import io.orderflow.events.ReleaseCoupon;
import io.orderflow.events.ReversePoints;
import java.util.List;
import java.util.Optional;

/** Every topic of the order flow, in one immutable registry: no code passes topic-name strings. */
public final class Topics {

    public static final Topic PAYMENTS_EVENTS = Topic.events("payments.events",
            PaymentCompleted.getClassSchema(), PaymentRefunded.getClassSchema());
    public static final Topic COUPON_EVENTS = Topic.events("coupon.events",
            CouponRedeemed.getClassSchema(), CouponRejected.getClassSchema(), CouponReleased.getClassSchema());
    public static final Topic POINTS_EVENTS = Topic.events("points.events",
            PointsApplied.getClassSchema(), PointsRejected.getClassSchema(), PointsReversed.getClassSchema());
    public static final Topic COUPON_COMMANDS = Topic.events("coupon.commands", ReleaseCoupon.getClassSchema());
    public static final Topic POINTS_COMMANDS = Topic.events("points.commands", ReversePoints.getClassSchema());
    public static final Topic PAYMENTS_COMMANDS = Topic.events("payments.commands", RefundPayment.getClassSchema());
    public static final Topic ORDERS_STATUS = Topic.events("orders.status", OrderStatusChanged.getClassSchema());
    public static final Topic COUPONS_CATALOG = Topic.compacted("coupons.catalog", CouponDefinition.getClassSchema());

    /** All topics, in the order of the flow. */
    public static final List<Topic> ALL = List.of(PAYMENTS_EVENTS, COUPON_EVENTS, POINTS_EVENTS,
            COUPON_COMMANDS, POINTS_COMMANDS, PAYMENTS_COMMANDS, ORDERS_STATUS, COUPONS_CATALOG);

    private Topics() {
    }

    public static Optional<Topic> byName(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** The dead-letter topic of a consumer group: the failed record, byte for byte, with error headers. */
    public static String deadLetterTopic(String consumerGroup) {
        return consumerGroup + ".dlt";
    }
}
