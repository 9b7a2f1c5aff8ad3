package io.orderflow.devstack;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;

/**
 * The Schema Registry compatibility levels, decided only by Avro's own
 * {@link SchemaCompatibility#checkReaderWriterCompatibility}: BACKWARD means the new schema can
 * read what the previous one wrote, FORWARD the reverse, FULL both; the transitive levels check
 * against every earlier version instead of the latest only.
 */
public enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    private final boolean backward;
    private final boolean forward;
    private final boolean transitive;

    CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    /** An earlier version of a subject. */
    public record Previous(int version, Schema schema) {
    }

    /** The level named {@code name} (any case), or an {@link IllegalArgumentException}. */
    public static CompatibilityLevel parse(String name) {
        if (name == null) {
            throw new IllegalArgumentException("Compatibility level is missing");
        }
        return valueOf(name.trim().toUpperCase(Locale.ROOT));
    }

    /**
     * Why {@code candidate} may not follow {@code previous} (oldest first) at this level; empty
     * when it may. Non-transitive levels look at the last of {@code previous} only.
     */
    public List<String> problems(Schema candidate, List<Previous> previous) {
        List<String> problems = new ArrayList<>();
        if (this == NONE || previous.isEmpty()) {
            return problems;
        }
        List<Previous> against = transitive ? previous : previous.subList(previous.size() - 1, previous.size());
        for (Previous old : against) {
            if (backward) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, old.schema()), old, "new schema cannot read data written with", problems);
            }
            if (forward) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(old.schema(), candidate), old, "data written with the new schema cannot be read by", problems);
            }
        }
        return problems;
    }

    private static void describe(SchemaCompatibility.SchemaPairCompatibility pair, Previous old, String direction, List<String> out) {
        for (Incompatibility incompatibility : pair.getResult().getIncompatibilities()) {
            out.add("{errorType:'" + incompatibility.getType() + "', description:'" + incompatibility.getMessage()
                    + "', location:'" + incompatibility.getLocation() + "', " + direction + " version " + old.version() + "}");
        }
    }
}
