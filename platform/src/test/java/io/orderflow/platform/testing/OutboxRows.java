package io.orderflow.platform.testing;

import io.orderflow.platform.avro.AvroBinary;
import io.orderflow.platform.db.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/** Reads back what a handler wrote to the outbox, decoded, in the order written. */
public final class OutboxRows {

    private OutboxRows() {
    }

    /** The events written with record key {@code key}, oldest first. */
    public static List<SpecificRecord> forKey(Database db, String key) throws Exception {
        return db.read(tx -> {
            try (PreparedStatement ps = tx.prepareStatement(
                    "SELECT event_type, payload FROM outbox WHERE record_key = ? ORDER BY id")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    List<SpecificRecord> events = new ArrayList<>();
                    while (rs.next()) {
                        events.add(AvroBinary.decode(rs.getString(1), rs.getBytes(2)));
                    }
                    return events;
                }
            }
        });
    }

    /** The events of one type written with record key {@code key}, oldest first. */
    public static <T extends SpecificRecord> List<T> forKey(Database db, String key, Class<T> type) throws Exception {
        return forKey(db, key).stream().filter(type::isInstance).map(type::cast).toList();
    }
}
