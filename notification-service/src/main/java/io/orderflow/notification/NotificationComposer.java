package io.orderflow.notification;

import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.PaymentCompleted;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;

/** Which events a customer hears about, and in what words. Pure: no I/O. */
final class NotificationComposer {

    static final int MAX_MESSAGE = 1000;

    private NotificationComposer() {
    }

    /** The notification an event causes, if any. */
    static Optional<Notification> compose(String eventId, SpecificRecord event, Instant now) {
        if (event instanceof PaymentCompleted p) {
            return Optional.of(new Notification(p.getOrderId(), p.getCustomerId(), Notification.Kind.PAYMENT_RECEIVED,
                    "We received your payment of " + money(p.getAmountCents(), p.getCurrency()) + " for order "
                            + p.getOrderId() + ".", eventId, now));
        }
        if (event instanceof OrderStatusChanged s) {
            if (s.getStatus() == s.getPreviousStatus()) {
                return Optional.empty(); // the steps of a FAILED order changed, not its outcome
            }
            String order = s.getOrderId();
            return switch (s.getStatus()) {
                case COMPLETED -> Optional.of(notification(s, Notification.Kind.ORDER_CONFIRMED,
                        "Your order " + order + " is confirmed.", eventId, now));
                case CANCELLED -> Optional.of(notification(s, Notification.Kind.ORDER_CANCELLED,
                        "Your order " + order + " was cancelled, refund issued: "
                                + (s.getReason() == null ? "no reason given" : s.getReason()), eventId, now));
                case FAILED -> Optional.of(notification(s, Notification.Kind.ORDER_FAILED,
                        "Your order " + order + " could not be completed; our support team has been told and will "
                                + "contact you.", eventId, now));
                default -> Optional.empty();
            };
        }
        return Optional.empty();
    }

    /** {@code 2998, "USD"} → {@code 29.98 USD}, with the currency's own number of minor digits. */
    static String money(long minorUnits, String currency) {
        int digits = 2;
        try {
            digits = Math.max(0, Currency.getInstance(currency).getDefaultFractionDigits());
        } catch (IllegalArgumentException e) {
            // not an ISO 4217 code: show it with 2 digits
        }
        return BigDecimal.valueOf(minorUnits, digits).toPlainString() + " " + currency;
    }

    private static Notification notification(OrderStatusChanged s, Notification.Kind kind, String message,
                                             String eventId, Instant now) {
        String text = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message;
        return new Notification(s.getOrderId(), s.getCustomerId(), kind, text, eventId, now);
    }
}
