package io.orderflow.points;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.http.HttpApi;
import io.orderflow.platform.http.Problem;
import io.orderflow.platform.http.Request;
import io.orderflow.platform.http.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /customers/{id}/points}, {@code GET /customers/{id}/ledger?limit=} and the operator credit
 * {@code POST /customers/{id}/points} with {@code {"delta": 500, "reason": "..."}} (ledger kind ADJUST).
 */
final class PointsRoutes {

    static final int MAX_REASON = 200;
    static final long MAX_ADJUSTMENT = 1_000_000_000L;

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

    static void register(HttpApi http, Database db, PointsLedger ledger) {
        PointsRoutes routes = new PointsRoutes(db, ledger);
        http.get("/customers/{id}/points", routes::balance);
        http.post("/customers/{id}/points", routes::adjust);
        http.get("/customers/{id}/ledger", routes::history);
    }

    private Response balance(Request req) throws Exception {
        String customerId = req.pathParam("id");
        return Response.ok(new Balance(customerId, db.read(tx -> ledger.balance(tx, customerId))));
    }

    private Response history(Request req) throws Exception {
        String customerId = req.pathParam("id");
        int limit = req.queryParam("limit").map(PointsRoutes::limit).orElse(100);
        return Response.ok(db.read(tx -> ledger.forCustomer(tx, customerId, limit)).stream()
                .map(e -> new Entry(e.orderId(), e.delta(), e.kind().name(), e.reason(), e.at())).toList());
    }

    private Response adjust(Request req) throws Exception {
        String customerId = req.pathParam("id");
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
        JsonNode delta = body.get("delta");
        if (delta == null || delta.isNull()) {
            errors.add(new Problem.FieldError("delta", "is required"));
        } else if (!delta.isIntegralNumber() || !delta.canConvertToLong()) {
            errors.add(new Problem.FieldError("delta", "must be a whole number of points"));
        } else if (delta.asLong() == 0 || Math.abs(delta.asLong()) > MAX_ADJUSTMENT) {
            errors.add(new Problem.FieldError("delta", "must be non-zero and at most " + MAX_ADJUSTMENT + " either way"));
        }
        JsonNode reason = body.get("reason");
        if (reason == null || !reason.isTextual() || reason.asText().isBlank()) {
            errors.add(new Problem.FieldError("reason", "is required (a short text saying why)"));
        } else if (reason.asText().length() > MAX_REASON) {
            errors.add(new Problem.FieldError("reason", "must be at most " + MAX_REASON + " characters"));
        }
        if (!errors.isEmpty()) {
            throw Problem.invalid(errors);
        }
        return new Adjustment(delta.asLong(), reason.asText().trim());
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
