package io.orderflow.coupon;

import io.orderflow.platform.db.Database;
import io.orderflow.platform.http.HttpApi;
import io.orderflow.platform.http.Problem;
import io.orderflow.platform.http.Response;
import java.time.Instant;

/** {@code GET /coupons} and {@code GET /coupons/{code}}. */
final class CouponRoutes {

    /** The JSON shape of a coupon: remaining and totalUses null = unlimited, validUntil null = no end. */
    record CouponView(String code, long discountCents, String currency, Integer remaining, Integer totalUses,
                      Instant validUntil) {

        static CouponView of(Coupon c) {
            return new CouponView(c.code(), c.discountCents(), c.currency(), c.remaining(), c.totalUses(), c.validUntil());
        }
    }

    private CouponRoutes() {
    }

    static void register(HttpApi http, Database db, CouponLedger coupons) {
        http.get("/coupons", req -> Response.ok(db.read(tx -> coupons.all(tx).stream().map(CouponView::of).toList())));
        http.get("/coupons/{code}", req -> {
            String code = req.pathParam("code");
            return Response.ok(db.read(tx -> coupons.find(tx, code))
                    .map(CouponView::of)
                    .orElseThrow(() -> Problem.notFound("No coupon " + code)));
        });
    }
}
