package io.orderflow.notification;

import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.events.OrderStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class NotificationComposerTest {

    private static final Instant NOW = Instant.parse("2025-01-01T10:00:00Z");

    @Test
    void paymentReceivedShowsTheAmountInTheCurrencysUnits() {
        var n = NotificationComposer.compose("e1", NotificationHandlerTest.payment("o-1", "c-1", 2998, "USD"), NOW).orElseThrow();

        assertThat(n.kind()).isEqualTo(Notification.Kind.PAYMENT_RECEIVED);
        assertThat(n.message()).isEqualTo("We received your payment of 29.98 USD for order o-1.");
        assertThat(n.sourceEventId()).isEqualTo("e1");
        assertThat(NotificationComposer.money(1500, "JPY")).isEqualTo("1500 JPY");
        assertThat(NotificationComposer.money(5, "EUR")).isEqualTo("0.05 EUR");
    }

    @Test
    void finalStatusesAreTold() {
        assertThat(NotificationComposer.compose("e", NotificationHandlerTest.status("o-1", OrderStatus.COMPLETED, null), NOW))
                .hasValueSatisfying(n -> assertThat(n.kind()).isEqualTo(Notification.Kind.ORDER_CONFIRMED));
        assertThat(NotificationComposer.compose("e", NotificationHandlerTest.status("o-1", OrderStatus.CANCELLED,
                "COUPON_REJECTED: SOLD_OUT"), NOW))
                .hasValueSatisfying(n -> {
                    assertThat(n.kind()).isEqualTo(Notification.Kind.ORDER_CANCELLED);
                    assertThat(n.message()).contains("cancelled, refund issued: COUPON_REJECTED: SOLD_OUT");
                });
        assertThat(NotificationComposer.compose("e", NotificationHandlerTest.status("o-1", OrderStatus.FAILED, "x"), NOW))
                .hasValueSatisfying(n -> assertThat(n.kind()).isEqualTo(Notification.Kind.ORDER_FAILED));
    }

    @Test
    void aFailedOrdersStepUpdateIsNotToldAgain() {
        var update = NotificationHandlerTest.status("o-1", OrderStatus.FAILED, "x");
        update.setPreviousStatus(OrderStatus.FAILED);

        assertThat(NotificationComposer.compose("e", update, NOW)).isEmpty();
    }

    @Test
    void intermediateStatusesAreNot() {
        assertThat(NotificationComposer.compose("e", NotificationHandlerTest.status("o-1", OrderStatus.PENDING, null), NOW)).isEmpty();
        assertThat(NotificationComposer.compose("e", NotificationHandlerTest.status("o-1", OrderStatus.COMPENSATING, "x"), NOW)).isEmpty();
    }
}
