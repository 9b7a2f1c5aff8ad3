package io.orderflow.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Reference 001/002 (consistency): a step fails after others succeeded; the saga undoes them. */
final class SagaDemo implements Demo {

    @Override
    public String name() {
        return "saga";
    }

    @Override
    public String title() {
        return "compensation: the points step fails, the coupon is released and the payment refunded";
    }

    @Override
    public void run(DemoStack stack, DemoOut out) throws Exception {
        String customer = "saga-" + Long.toString(System.currentTimeMillis(), 36);
        int remainingBefore = Http.get(stack.url("coupon-service") + "/coupons/FLASH100").body().path("remaining").asInt();
        // FLASH100 shows the use coming back; on a running stack where it is used up, the unlimited WELCOME10 is taken.
        String coupon = remainingBefore > 0 ? "FLASH100" : "WELCOME10";
        out.say("A new customer (0 points) orders with %s (FLASH100: %d uses left) and redeems 100 points.", coupon,
                remainingBefore);
        String id = stack.place(Http.order(customer, coupon, 100));
        JsonNode order = stack.awaitFinal(id, Duration.ofSeconds(60));
        // The order's statuses and the saga's step results, on one clock.
        List<String[]> events = new ArrayList<>();
        for (JsonNode t : order.path("timeline")) {
            events.add(new String[] {t.path("at").asText(), "order " + t.path("status").asText(), ""});
        }
        for (JsonNode st : order.path("steps")) {
            events.add(new String[] {st.path("at").asText(), st.path("step").asText() + " " + st.path("state").asText(),
                    st.path("detail").asText("")});
        }
        events.removeIf(e -> e[0].isEmpty() || e[0].equals("null"));
        events.sort((a, b) -> Instant.parse(a[0]).compareTo(Instant.parse(b[0])));
        Instant start = Instant.parse(order.path("createdAt").asText(events.get(0)[0]));
        out.say("The saga's timeline of order %s…:", id.substring(0, Math.min(8, id.length())));
        for (String[] e : events) {
            String detail = e[2].length() > 60 ? e[2].substring(0, 60) + "…" : e[2];
            out.say("  +%5d ms  %-22s %s", Duration.between(start, Instant.parse(e[0])).toMillis(), e[1], detail);
        }
        int remainingAfter = Http.get(stack.url("coupon-service") + "/coupons/FLASH100").body().path("remaining").asInt();
        long balance = Http.get(stack.url("points-service") + "/customers/" + customer + "/points").body().path("balance").asLong();
        out.check(order.path("status").asText().equals("CANCELLED"), "order CANCELLED");
        out.check(order.path("payment").asText().equals("REFUNDED"), "payment refunded");
        String couponStep = "";
        for (JsonNode st : order.path("steps")) {
            couponStep = st.path("step").asText().equals("COUPON") ? st.path("state").asText() : couponStep;
        }
        if (coupon.equals("FLASH100")) {
            out.check(couponStep.equals("COMPENSATED") && remainingAfter == remainingBefore,
                    "FLASH100 released (COUPON step %s), its use back: %d → %d", couponStep, remainingBefore, remainingAfter);
        } else {
            out.check(couponStep.equals("COMPENSATED"), "%s released (COUPON step %s)", coupon, couponStep);
        }
        out.check(balance == 0, "no points moved: balance %d", balance);
        out.say("Why: with a queue there is no distributed transaction; each service commits alone, and a failure");
        out.say("later in the flow is repaired by compensating events, each applied once.");
        out.headline("points rejected → coupon released, payment refunded, CANCELLED in %d ms",
                Duration.between(start, Instant.parse(events.get(events.size() - 1)[0])).toMillis());
    }
}
