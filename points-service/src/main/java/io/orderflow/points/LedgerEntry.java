package io.orderflow.points;

import java.time.Instant;

/** One change of a customer's balance. {@code orderId} is null for an ADJUST. */
public record LedgerEntry(String customerId, String orderId, long delta, Kind kind, String reason, Instant at) {

    public enum Kind { REDEEM, EARN, REVERSE, ADJUST }
}
