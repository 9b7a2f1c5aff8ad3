package io.orderflow.notification;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A sender that also appends one line per successful send to a file: {@code idempotencyKey TAB orderId TAB kind}.
 * Each line is written straight to the file (no buffer in this JVM), so it outlives a {@code kill -9} of the
 * process: a crash drill counts what was really sent, also what the database forgot it sent. Repeated keys are
 * the at-least-once resends that a provider drops; two keys for one event would be a second notification.
 */
public final class SendLog implements NotificationSender {

    private final NotificationSender delegate;
    private final Path file;

    public SendLog(NotificationSender delegate, Path file) {
        this.delegate = delegate;
        this.file = file;
    }

    @Override
    public void send(String idempotencyKey, Notification notification) throws Exception {
        delegate.send(idempotencyKey, notification);
        append(idempotencyKey + "\t" + notification.orderId() + "\t" + notification.kind() + "\n");
    }

    private synchronized void append(String line) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }
    }
}
