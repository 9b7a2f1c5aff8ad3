package io.orderflow.notification;

import io.orderflow.platform.db.Database;
import io.orderflow.platform.http.HttpApi;
import io.orderflow.platform.http.Problem;
import io.orderflow.platform.http.Request;
import io.orderflow.platform.http.Response;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** {@code GET /notifications?orderId=} (oldest first) or {@code ?customerId=} (latest 100, newest first). */
final class NotificationRoutes {

    record View(String orderId, String customerId, String kind, String message, Instant createdAt) {

        static View of(Notification n) {
            return new View(n.orderId(), n.customerId(), n.kind().name(), n.message(), n.createdAt());
        }
    }

    private NotificationRoutes() {
    }

    static void register(HttpApi http, Database db, NotificationLog notifications) {
        http.get("/notifications", req -> Response.ok(find(req, db, notifications).stream().map(View::of).toList()));
    }

    private static List<Notification> find(Request req, Database db, NotificationLog notifications) throws Exception {
        Optional<String> orderId = nonBlank(req, "orderId");
        if (orderId.isPresent()) {
            return db.read(tx -> notifications.forOrder(tx, orderId.get()));
        }
        Optional<String> customerId = nonBlank(req, "customerId");
        if (customerId.isPresent()) {
            return db.read(tx -> notifications.forCustomer(tx, customerId.get(), 100));
        }
        throw Problem.badRequest("orderId", "is required (or customerId)");
    }

    private static Optional<String> nonBlank(Request req, String name) {
        return req.queryParam(name).map(String::trim).filter(v -> !v.isEmpty());
    }
}
