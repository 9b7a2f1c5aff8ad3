package io.orderflow.coupon;

import io.orderflow.platform.outbox.Outbox;
import io.orderflow.schemas.Topics;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes coupon definitions to the compacted {@code coupons.catalog} topic (key = code), through
 * the outbox: only coupons never published or changed since, so a restart causes no churn.
 */
final class CouponCatalog {

    private static final Logger log = LoggerFactory.getLogger(CouponCatalog.class);

    private final CouponLedger coupons;
    private final Outbox outbox;

    CouponCatalog(CouponLedger coupons, Outbox outbox) {
        this.coupons = coupons;
        this.outbox = outbox;
    }

    /** Writes the changed definitions to the outbox; how many. */
    int publishChanged(Connection tx) throws SQLException {
        List<Coupon> changed = coupons.unpublished(tx);
        for (Coupon coupon : changed) {
            outbox.add(tx, Topics.COUPONS_CATALOG, coupon.code(), CouponEvents.definition(coupon));
            coupons.markPublished(tx, coupon);
        }
        if (!changed.isEmpty()) {
            log.info("Publishing {} coupon definition(s) to {}: {}", changed.size(), Topics.COUPONS_CATALOG,
                    changed.stream().map(Coupon::code).toList());
        }
        return changed.size();
    }
}
