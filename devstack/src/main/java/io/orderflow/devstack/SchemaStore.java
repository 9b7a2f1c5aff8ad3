package io.orderflow.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's state: schemas by global id, subjects with their versions, compatibility
 * settings. Every change is first written to the {@link SchemasTopic} (in Confluent's key/value
 * layout) and applied only once acknowledged, so replaying the topic rebuilds the same state.
 * Schema identity is Avro's parsed-schema equality, not the raw text.
 */
final class SchemaStore {

    private static final Logger log = LoggerFactory.getLogger(SchemaStore.class);
    static final CompatibilityLevel DEFAULT_LEVEL = CompatibilityLevel.BACKWARD;

    /** One version of a subject; soft-deleted versions keep their number. */
    record Version(String subject, int version, int id, boolean deleted) {
    }

    private final ObjectMapper json;
    private final SchemasTopic topic;
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<Schema, Integer> idsBySchema = new HashMap<>();
    private final Map<String, TreeMap<Integer, Version>> subjects = new TreeMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel = DEFAULT_LEVEL;
    private int maxId;

    SchemaStore(ObjectMapper json, SchemasTopic topic) {
        this.json = json;
        this.topic = topic;
    }

    synchronized int load() {
        return topic.replay(this::apply);
    }

    // ---- writes ----

    /** The id of {@code schemaText} under {@code subject}, registering a new version when needed. */
    synchronized int register(String subject, String schemaText) {
        Schema schema = parse(schemaText);
        Optional<Version> existing = liveVersions(subject).stream().filter(v -> v.id() == idOf(schema)).findFirst();
        if (existing.isPresent()) {
            return existing.get().id();
        }
        CompatibilityLevel level = effectiveLevel(subject);
        List<String> problems = level.problems(schema, previous(subject));
        if (!problems.isEmpty()) {
            throw new RegistryException(409, 409, "Schema being registered is incompatible with an earlier schema for subject \""
                    + subject + "\", details: " + problems + ", {compatibility: '" + level + "'}");
        }
        int id = idsBySchema.getOrDefault(schema, maxId + 1);
        TreeMap<Integer, Version> versions = subjects.get(subject);
        int version = versions == null || versions.isEmpty() ? 1 : versions.lastKey() + 1;
        write(schemaKey(subject, version), schemaValue(subject, version, id, schema, false));
        log.info("Registered schema id {} as version {} of subject {}", id, version, subject);
        return id;
    }

    /** Soft-deletes every live version of the subject; returns their numbers. */
    synchronized List<Integer> deleteSubject(String subject) {
        List<Version> live = requireLiveVersions(subject);
        List<Integer> deleted = new ArrayList<>();
        for (Version v : live) {
            write(schemaKey(subject, v.version()), schemaValue(subject, v.version(), v.id(), schemasById.get(v.id()), true));
            deleted.add(v.version());
        }
        return deleted;
    }

    synchronized int deleteVersion(String subject, String versionSpec) {
        Version v = version(subject, versionSpec);
        write(schemaKey(subject, v.version()), schemaValue(subject, v.version(), v.id(), schemasById.get(v.id()), true));
        return v.version();
    }

    synchronized void setGlobalLevel(CompatibilityLevel level) {
        write(configKey(null), configValue(level));
    }

    synchronized void setSubjectLevel(String subject, CompatibilityLevel level) {
        write(configKey(subject), configValue(level));
    }

    synchronized CompatibilityLevel deleteSubjectLevel(String subject) {
        CompatibilityLevel old = subjectLevel(subject)
                .orElseThrow(() -> new RegistryException(404, 40408, "Subject '" + subject + "' does not have subject-level compatibility configured"));
        write(configKey(subject), null);
        return old;
    }

    // ---- reads ----

    synchronized Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw RegistryException.schemaNotFound(String.valueOf(id));
        }
        return schema;
    }

    /** Every live (subject, version) that uses schema {@code id}. */
    synchronized List<Version> usagesOf(int id) {
        schemaById(id);
        List<Version> usages = new ArrayList<>();
        for (String subject : subjects.keySet()) {
            liveVersions(subject).stream().filter(v -> v.id() == id).forEach(usages::add);
        }
        return usages;
    }

    synchronized List<String> subjects() {
        return subjects.keySet().stream().filter(s -> !liveVersions(s).isEmpty()).toList();
    }

    synchronized List<Version> allLiveVersions() {
        List<Version> all = new ArrayList<>();
        subjects.keySet().forEach(s -> all.addAll(liveVersions(s)));
        return all;
    }

    synchronized List<Version> versions(String subject) {
        return requireLiveVersions(subject);
    }

    /** Version {@code spec} ("latest", "-1" or a number) of a subject. */
    synchronized Version version(String subject, String spec) {
        List<Version> live = requireLiveVersions(subject);
        if ("latest".equalsIgnoreCase(spec) || "-1".equals(spec)) {
            return live.get(live.size() - 1);
        }
        int number;
        try {
            number = Integer.parseInt(spec);
        } catch (NumberFormatException e) {
            throw RegistryException.invalidVersion(spec);
        }
        if (number < 1) {
            throw RegistryException.invalidVersion(spec);
        }
        return live.stream().filter(v -> v.version() == number).findFirst()
                .orElseThrow(() -> RegistryException.versionNotFound(spec));
    }

    /** The live version of {@code subject} holding this schema. */
    synchronized Version lookup(String subject, String schemaText) {
        List<Version> live = requireLiveVersions(subject);
        Schema schema = parse(schemaText);
        Integer id = idsBySchema.get(schema);
        return live.stream().filter(v -> id != null && v.id() == id).findFirst()
                .orElseThrow(() -> RegistryException.schemaNotFound("not found under subject '" + subject + "'"));
    }

    /**
     * Why {@code schemaText} is not compatible with version {@code spec} of the subject (null spec:
     * every version the subject's level looks at); empty when it is.
     */
    synchronized List<String> compatibilityProblems(String subject, String spec, String schemaText) {
        Schema schema = parse(schemaText);
        CompatibilityLevel level = effectiveLevel(subject);
        if (spec == null || (("latest".equalsIgnoreCase(spec) || "-1".equals(spec)) && liveVersions(subject).isEmpty())) {
            return level.problems(schema, previous(subject));
        }
        Version v = version(subject, spec);
        return level.problems(schema, List.of(new CompatibilityLevel.Previous(v.version(), schemasById.get(v.id()))));
    }

    synchronized CompatibilityLevel globalLevel() {
        return globalLevel;
    }

    synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    synchronized CompatibilityLevel effectiveLevel(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    // ---- internals ----

    private int idOf(Schema schema) {
        return idsBySchema.getOrDefault(schema, -1);
    }

    private List<Version> liveVersions(String subject) {
        TreeMap<Integer, Version> versions = subjects.get(subject);
        return versions == null ? List.of() : versions.values().stream().filter(v -> !v.deleted()).toList();
    }

    private List<Version> requireLiveVersions(String subject) {
        List<Version> live = liveVersions(subject);
        if (live.isEmpty()) {
            throw RegistryException.subjectNotFound(subject);
        }
        return live;
    }

    private List<CompatibilityLevel.Previous> previous(String subject) {
        return liveVersions(subject).stream()
                .map(v -> new CompatibilityLevel.Previous(v.version(), schemasById.get(v.id()))).toList();
    }

    static Schema parse(String schemaText) {
        if (schemaText == null || schemaText.isBlank()) {
            throw RegistryException.invalidSchema("empty schema");
        }
        try {
            return new Schema.Parser().parse(schemaText);
        } catch (SchemaParseException | NullPointerException | IllegalArgumentException e) {
            throw RegistryException.invalidSchema(e.getMessage());
        }
    }

    private void write(ObjectNode key, ObjectNode value) {
        try {
            byte[] keyBytes = json.writeValueAsBytes(key);
            byte[] valueBytes = value == null ? null : json.writeValueAsBytes(value);
            topic.append(keyBytes, valueBytes);
            apply(keyBytes, valueBytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Applies one record of the topic; also used for records just written. */
    private void apply(byte[] keyBytes, byte[] valueBytes) {
        try {
            JsonNode key = json.readTree(keyBytes);
            String keyType = key.path("keytype").asText();
            String subject = key.hasNonNull("subject") ? key.get("subject").asText() : null;
            JsonNode value = valueBytes == null ? null : json.readTree(valueBytes);
            switch (keyType) {
                case "SCHEMA" -> applySchema(subject, key.path("version").asInt(), value);
                case "CONFIG" -> applyConfig(subject, value);
                default -> log.debug("Ignoring {} record of the schema topic", keyType);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Unreadable record in the schema topic", e);
        }
    }

    private void applySchema(String subject, int version, JsonNode value) {
        if (value == null) {
            TreeMap<Integer, Version> versions = subjects.get(subject);
            if (versions != null) {
                versions.remove(version);
            }
            return;
        }
        int id = value.path("id").asInt();
        Schema schema = schemasById.computeIfAbsent(id, i -> parse(value.path("schema").asText()));
        idsBySchema.putIfAbsent(schema, id);
        maxId = Math.max(maxId, id);
        subjects.computeIfAbsent(subject, s -> new TreeMap<>())
                .put(version, new Version(subject, version, id, value.path("deleted").asBoolean(false)));
    }

    private void applyConfig(String subject, JsonNode value) {
        CompatibilityLevel level = value == null ? null : CompatibilityLevel.parse(value.path("compatibilityLevel").asText());
        if (subject == null) {
            globalLevel = level == null ? DEFAULT_LEVEL : level;
        } else if (level == null) {
            subjectLevels.remove(subject);
        } else {
            subjectLevels.put(subject, level);
        }
    }

    private ObjectNode schemaKey(String subject, int version) {
        return json.createObjectNode().put("keytype", "SCHEMA").put("subject", subject).put("version", version).put("magic", 1);
    }

    private ObjectNode schemaValue(String subject, int version, int id, Schema schema, boolean deleted) {
        return json.createObjectNode().put("subject", subject).put("version", version).put("id", id)
                .put("schema", schema.toString()).put("deleted", deleted);
    }

    private ObjectNode configKey(String subject) {
        ObjectNode key = json.createObjectNode().put("keytype", "CONFIG");
        if (subject == null) {
            key.putNull("subject");
        } else {
            key.put("subject", subject);
        }
        return key.put("magic", 0);
    }

    private ObjectNode configValue(CompatibilityLevel level) {
        return json.createObjectNode().put("compatibilityLevel", level.name());
    }
}
