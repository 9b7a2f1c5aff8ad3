package io.orderflow.points;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.http.AdminToken;
import io.orderflow.platform.http.HttpApi;
import io.orderflow.platform.http.JsonFields;
import io.orderflow.platform.http.Problem;
import io.orderflow.platform.http.Request;
import io.orderflow.platform.http.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code GET /customers/{id}/points}, {@code GET /customers/{id}/ledger?limit=} and the operator credit
 * {@code POST /customers/{id}/points} with {@code {"delta": 500, "reason": "..."}} (ledger kind ADJUST).
 * Points are money off future orders, so the credit needs {@code Authorization: Bearer <ADMIN_TOKEN>}
 * and is off when no token is configured ({@link AdminToken}).
 */
final class PointsRoutes {

    static final int MAX_REASON = 200;
    static final long MAX_ADJUSTMENT = 1_000_000_000L;
    private static final Pattern CUSTOMER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}");

    record Balance(String customerId, long balance) {
    }

    record Entry(String orderId, long delta, String kind, String reason, Instant at) {
    }

    record Adjustment(long delta, String reason) {
    }

    private final Database db;
    private final PointsLedger ledger;

    private PointsRoutes(Database db, PointsLedger ledger) {
        this.db = db;
        this.ledger = ledger;
    }

    static void register(HttpApi http, Database db, PointsLedger ledger, AdminToken adminToken) {
        PointsRoutes routes = new PointsRoutes(db, ledger);
        http.get("/customers/{id}/points", routes::balance);
        http.post("/customers/{id}/points", adminToken, routes::adjust);
        http.get("/customers/{id}/ledger", routes::history);
    }

    private Response balance(Request req) throws Exception {
        String customerId = customerId(req);
        return Response.ok(new Balance(customerId, db.read(tx -> ledger.balance(tx, customerId))));
    }

    private Response history(Request req) throws Exception {
        String customerId = customerId(req);
        int limit = req.queryParam("limit").map(PointsRoutes::limit).orElse(100);
        return Response.ok(db.read(tx -> ledger.forCustomer(tx, customerId, limit)).stream()
                .map(e -> new Entry(e.orderId(), e.delta(), e.kind().name(), e.reason(), e.at())).toList());
    }

    private Response adjust(Request req) throws Exception {
        String customerId = customerId(req);
        Adjustment adjustment = parse(req.json());
        long balance = db.inTransaction(tx -> {
            ledger.lockAccount(tx, customerId);
            if (!ledger.post(tx, new LedgerEntry(customerId, null, adjustment.delta(), LedgerEntry.Kind.ADJUST,
                    adjustment.reason(), Instant.now()))) {
                throw new Problem(409, "Insufficient balance", "A debit of " + -adjustment.delta()
                        + " points would take the balance of " + customerId + " below 0");
            }
            return ledger.balance(tx, customerId);
        });
        return Response.ok(new Balance(customerId, balance));
    }

    static Adjustment parse(JsonNode body) {
        List<Problem.FieldError> errors = new ArrayList<>();
        long delta = JsonFields.wholeNumber(body, "delta", "delta", -MAX_ADJUSTMENT, MAX_ADJUSTMENT, null, errors);
        if (delta == 0 && errors.stream().noneMatch(e -> e.field().equals("delta"))) {
            errors.add(new Problem.FieldError("delta", "must be non-zero"));
        }
        String reason = JsonFields.requiredText(body, "reason", "reason", MAX_REASON, errors);
        if (!errors.isEmpty()) {
            throw Problem.invalid(errors);
        }
        return new Adjustment(delta, reason);
    }

    /** The path's customer id, as order-service accepts it (and within the ledger's column). */
    private static String customerId(Request req) {
        String id = req.pathParam("id");
        if (!CUSTOMER_ID.matcher(id).matches()) {
            throw Problem.badRequest("id", "must be 1-100 letters, digits or ._:@- starting with a letter or digit");
        }
        return id;
    }

    private static int limit(String raw) {
        try {
            int limit = Integer.parseInt(raw);
            if (limit >= 1 && limit <= 1000) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Problem.badRequest("limit", "must be a whole number from 1 to 1000");
    }
}
