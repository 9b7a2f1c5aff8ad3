package io.orderflow.coupon;

import io.orderflow.platform.config.Env;
import io.orderflow.platform.lifecycle.ServiceRunner;
import io.orderflow.platform.runtime.RuntimeService;
import io.orderflow.platform.runtime.ServiceRuntime;
import io.orderflow.schemas.Topics;
import java.util.List;

/**
 * coupon-service: redeems coupons of paid orders (never more than a coupon's uses, never twice per
 * customer, never for a cancelled order) and releases them on the saga's command. Consumer group
 * {@code coupon-service} on payments.events and coupon.commands; writes coupon.events and
 * coupons.catalog through the outbox; {@code GET /coupons/{code}}.
 */
public final class CouponService extends RuntimeService {

    private final CouponServiceConfig config;
    private final CouponCatalog catalog;

    private CouponService(CouponServiceConfig config, ServiceRuntime runtime, CouponCatalog catalog) {
        super(runtime);
        this.config = config;
        this.catalog = catalog;
    }

    public static CouponService create(CouponServiceConfig config) {
        ServiceRuntime runtime = ServiceRuntime.create(config.common());
        CouponLedger coupons = new CouponLedger();
        runtime.consume(List.of(Topics.PAYMENTS_EVENTS, Topics.COUPON_COMMANDS),
                new CouponHandler(new Redemptions(), runtime.outbox()));
        CouponRoutes.register(runtime.http(), runtime.db(), coupons);
        return new CouponService(config, runtime, new CouponCatalog(coupons, runtime.outbox()));
    }

    public static void main(String[] args) throws Exception {
        ServiceRunner.startAndRun(create(CouponServiceConfig.fromEnv(Env.system())));
    }

    @Override
    protected void beforeStart() throws Exception {
        if (config.publishCatalogOnStart()) {
            runtime.db().inTransaction(catalog::publishChanged);
        }
    }
}
