package io.orderflow.notification;

import io.orderflow.platform.db.Database;
import io.orderflow.platform.http.HttpApi;
import io.orderflow.platform.http.Problem;
import io.orderflow.platform.http.Request;
import io.orderflow.platform.http.Response;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /notifications?orderId=} (oldest first) or {@code ?customerId=} (latest 100, newest first);
 * {@code GET /notifications/pending}: how many wait to be sent, since when, and how many this instance sent.
 */
final class NotificationRoutes {

    record View(String orderId, String customerId, String kind, String message, Instant createdAt, String status,
                Instant sentAt, int attempts) {

        static View of(NotificationLog.Stored stored) {
            Notification n = stored.notification();
            return new View(n.orderId(), n.customerId(), n.kind().name(), n.message(), n.createdAt(), stored.status(),
                    stored.sentAt(), stored.attempts());
        }
    }

    record Pending(long pending, Instant oldestCreatedAt, long sentByThisInstance) {
    }

    private NotificationRoutes() {
    }

    static void register(HttpApi http, Database db, NotificationLog notifications, NotificationDispatcher dispatcher) {
        http.get("/notifications", req -> Response.ok(find(req, db, notifications).stream().map(View::of).toList()));
        http.get("/notifications/pending", req -> {
            PendingNotifications.Backlog backlog = dispatcher.backlog();
            return Response.ok(new Pending(backlog.pending(), backlog.oldestCreatedAt().orElse(null),
                    dispatcher.sentCount()));
        });
    }

    private static List<NotificationLog.Stored> find(Request req, Database db, NotificationLog notifications)
            throws Exception {
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
