package io.orderflow.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.coupon.CouponServiceConfig;
import io.orderflow.notification.NotificationServiceConfig;
import io.orderflow.order.OrderServiceConfig;
import io.orderflow.platform.config.Env;
import io.orderflow.platform.config.ServiceConfig;
import io.orderflow.points.PointsServiceConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * docker-compose.yml against the code it deploys, without Docker: every environment variable a
 * service reads is set for it (and nothing it does not read, which would be a typo falling back to a
 * localhost default), and the ports in the compose file, the services' defaults and the README agree.
 */
class ComposeFileTest {

    /** The services, each with how it reads its configuration (the same call its {@code main} makes). */
    private static final Map<String, Function<Env, ServiceConfig>> SERVICES = Map.of(
            "order-service", env -> OrderServiceConfig.fromEnv(env).common(),
            "coupon-service", env -> CouponServiceConfig.fromEnv(env).common(),
            "points-service", env -> PointsServiceConfig.fromEnv(env).common(),
            "notification-service", env -> NotificationServiceConfig.fromEnv(env).common());

    /** Read by the JVM, not by our code. */
    private static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS");

    private static final List<String> BROKERS = List.of("kafka-1", "kafka-2", "kafka-3");
    private static final int SCHEMA_REGISTRY_PORT = 8081;
    private static final int KAFKA_UI_PORT = 8088;
    private static final String IMAGE = "orderflow:local";

    private static Path root;
    private static Map<String, Object> services;

    @BeforeAll
    static void readComposeFile() throws IOException {
        root = repositoryRoot();
        // SnakeYAML (under jackson-dataformat-yaml) rather than Jackson's tree: it resolves the
        // anchors and `<<:` merge keys the compose file uses, as docker compose does.
        try (Reader reader = Files.newBufferedReader(root.resolve("docker-compose.yml"))) {
            Map<String, Object> compose = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
            services = map(compose.get("services"), "services");
        }
    }

    // ---- environment -------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"order-service", "coupon-service", "points-service", "notification-service"})
    void everyVariableTheServiceReadsIsSetForIt(String name) {
        Map<String, String> environment = environment(name);
        Env env = Env.of(environment);

        SERVICES.get(name).apply(env);

        Set<String> missing = new TreeSet<>(env.keysRead());
        missing.removeAll(environment.keySet());
        assertThat(missing).as("variables %s reads but docker-compose.yml does not set for it", name).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"order-service", "coupon-service", "points-service", "notification-service"})
    void everyVariableSetForTheServiceIsOneItReads(String name) {
        Map<String, String> environment = environment(name);
        Env env = Env.of(environment);

        SERVICES.get(name).apply(env);

        Set<String> unread = new TreeSet<>(environment.keySet());
        unread.removeAll(env.keysRead());
        unread.removeAll(JVM_VARIABLES);
        assertThat(unread).as("variables docker-compose.yml sets for %s that it never reads (a typo?)", name).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"order-service", "coupon-service", "points-service", "notification-service"})
    void theServiceRunsFromTheSharedImageWithItsOwnCommand(String name) {
        Map<String, Object> service = service(name);

        assertThat(service.get("image")).isEqualTo(IMAGE);
        assertThat(service.get("command")).isEqualTo(List.of("service", name));
        List<String> builders = services.keySet().stream()
                .filter(s -> service(s).containsKey("build"))
                .toList();
        assertThat(builders).as("one service builds the image, the others reuse it").hasSize(1);
        assertThat(service(builders.get(0)).get("image")).isEqualTo(IMAGE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"order-service", "coupon-service", "points-service", "notification-service"})
    void theServiceTalksToTheComposeInfrastructure(String name) {
        Map<String, String> environment = environment(name);
        ServiceConfig config = SERVICES.get(name).apply(Env.of(environment));

        assertThat(config.kafkaBootstrapServers().split(","))
                .containsExactlyInAnyOrderElementsOf(BROKERS.stream().map(b -> b + ":19092").toList());
        assertThat(config.schemaRegistryUrl()).isEqualTo("http://schema-registry:" + SCHEMA_REGISTRY_PORT);
        assertThat(config.topicReplicationFactor()).isEqualTo((short) BROKERS.size());
        // The same database (and role) the service's config names, which the all-in-one creates too.
        assertThat(config.dbUrl()).isEqualTo("jdbc:postgresql://postgres:5432/" + Services.database(name));
        assertThat(config.dbUser()).isEqualTo(Services.database(name));

        Map<String, Object> dependsOn = map(service(name).get("depends_on"), name + ".depends_on");
        for (String infrastructure : List.of("kafka-1", "kafka-2", "kafka-3", "schema-registry", "postgres")) {
            assertThat(map(dependsOn.get(infrastructure), name + " depends_on " + infrastructure))
                    .containsEntry("condition", "service_healthy");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"order-service", "coupon-service", "points-service", "notification-service"})
    void theInitScriptCreatesTheServicesDatabaseAndRole(String name) throws IOException {
        String initSql = Files.readString(root.resolve("docker/postgres/init.sql"));
        ServiceConfig config = SERVICES.get(name).apply(Env.of(environment(name)));
        String database = config.dbUrl().substring(config.dbUrl().lastIndexOf('/') + 1).split("\\?")[0];

        assertThat(initSql).containsPattern("(?i)CREATE DATABASE " + database + " OWNER " + config.dbUser() + ";");
        assertThat(initSql).containsPattern("(?i)CREATE ROLE " + config.dbUser() + " LOGIN PASSWORD '"
                + Pattern.quote(config.dbPassword()) + "';");
    }

    // ---- ports ---------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"order-service", "coupon-service", "points-service", "notification-service"})
    void composeUsesTheServicesDefaultPortEverywhere(String name) {
        int defaultPort = SERVICES.get(name).apply(Env.of(Map.of())).httpPort();
        Map<String, String> environment = environment(name);

        assertThat(environment.get("HTTP_PORT")).isEqualTo(String.valueOf(defaultPort));
        assertThat(publishedPorts(name)).containsExactly(Map.entry(defaultPort, defaultPort));
        assertThat(healthcheck(name)).contains("localhost:" + defaultPort + "/health/ready");
    }

    @Test
    void theInfrastructurePortsAreTheOnesTheServicesDefaultTo() {
        ServiceConfig defaults = SERVICES.get("order-service").apply(Env.of(Map.of()));

        // A service run on the host with no variables set finds the compose stack.
        assertThat(defaults.schemaRegistryUrl()).isEqualTo("http://localhost:" + SCHEMA_REGISTRY_PORT);
        assertThat(publishedPorts("schema-registry")).containsExactly(Map.entry(SCHEMA_REGISTRY_PORT, SCHEMA_REGISTRY_PORT));
        assertThat(defaults.kafkaBootstrapServers()).isEqualTo("localhost:9092");
        assertThat(publishedPorts("kafka-ui")).containsExactly(Map.entry(KAFKA_UI_PORT, 8080));

        for (int i = 0; i < BROKERS.size(); i++) {
            String broker = BROKERS.get(i);
            int hostPort = 9092 + i;
            assertThat(publishedPorts(broker)).containsExactly(Map.entry(hostPort, hostPort));
            assertThat(environment(broker).get("KAFKA_ADVERTISED_LISTENERS"))
                    .contains("PLAINTEXT://" + broker + ":19092")
                    .contains("EXTERNAL://localhost:" + hostPort);
        }
    }

    @Test
    void theReadmeShowsThePortsComposePublishes() throws IOException {
        String readme = Files.readString(root.resolve("README.md"));

        for (String name : SERVICES.keySet()) {
            int port = SERVICES.get(name).apply(Env.of(Map.of())).httpPort();
            assertThat(readme).as("README mentions %s at localhost:%d", name, port).contains("localhost:" + port);
        }
        assertThat(readme).as("README mentions Schema Registry").contains("localhost:" + SCHEMA_REGISTRY_PORT);
        assertThat(readme).as("README mentions Kafka UI").contains("localhost:" + KAFKA_UI_PORT);
    }

    @Test
    void theComposeGuideMentionsOnlyPortsThatExist() throws IOException {
        String guide = Files.readString(root.resolve("docs/compose.md"));
        Set<Integer> published = services.keySet().stream()
                .flatMap(s -> publishedPorts(s).keySet().stream())
                .collect(Collectors.toSet());

        Matcher m = Pattern.compile("localhost:(\\d+)").matcher(guide);
        Set<Integer> mentioned = new TreeSet<>();
        while (m.find()) {
            mentioned.add(Integer.parseInt(m.group(1)));
        }
        assertThat(published).containsAll(mentioned);
        assertThat(mentioned).contains(8080, 8091, 8092, 8093, SCHEMA_REGISTRY_PORT, KAFKA_UI_PORT);
    }

    // ---- Kafka cluster -------------------------------------------------------------------------

    @Test
    void theBrokersFormOneDurableCluster() {
        Set<String> clusterIds = new LinkedHashSet<>();
        Set<String> nodeIds = new LinkedHashSet<>();
        for (String broker : BROKERS) {
            Map<String, String> env = environment(broker);
            clusterIds.add(env.get("CLUSTER_ID"));
            nodeIds.add(env.get("KAFKA_NODE_ID"));
            assertThat(env)
                    .containsEntry("KAFKA_PROCESS_ROLES", "broker,controller")
                    .containsEntry("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@kafka-1:19093,2@kafka-2:19093,3@kafka-3:19093")
                    .containsEntry("KAFKA_DEFAULT_REPLICATION_FACTOR", "3")
                    .containsEntry("KAFKA_MIN_INSYNC_REPLICAS", "2")
                    .containsEntry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3")
                    // Kafka Streams exactly_once_v2 waits forever if the transaction log cannot be created.
                    .containsEntry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3")
                    .containsEntry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2")
                    .containsEntry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                    // The image formats storage into /tmp unless told otherwise: data must be on the volume.
                    .containsEntry("KAFKA_LOG_DIRS", "/var/lib/kafka/data");
            assertThat(env.get("KAFKA_LISTENERS")).contains("CONTROLLER://0.0.0.0:19093");
            assertThat(healthcheck(broker)).contains("kafka-broker-api-versions.sh");
        }
        assertThat(clusterIds).hasSize(1);
        assertThat(nodeIds).containsExactly("1", "2", "3");
        assertThat(environment("schema-registry"))
                .containsEntry("SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR", "3")
                .containsEntry("SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL", "backward");
    }

    // ---- Dockerfile ----------------------------------------------------------------------------

    @Test
    void theDockerfileCopiesEveryModulePomBeforeTheSources() throws IOException {
        String rootPom = Files.readString(root.resolve("pom.xml"));
        String dockerfile = Files.readString(root.resolve("Dockerfile"));
        Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(rootPom);
        List<String> modules = new ArrayList<>();
        while (m.find()) {
            modules.add(m.group(1).trim());
        }

        assertThat(modules).isNotEmpty();
        int sources = dockerfile.indexOf("COPY . .");
        for (String module : modules) {
            int copy = dockerfile.indexOf("COPY " + module + "/pom.xml " + module + "/");
            assertThat(copy).as("Dockerfile copies %s/pom.xml in the dependency layer", module).isBetween(0, sources);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docker-compose.yml"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("a directory above %s with docker-compose.yml", Path.of("").toAbsolutePath()).isNotNull();
        return dir;
    }

    private static Map<String, Object> service(String name) {
        return map(services.get(name), "service " + name);
    }

    /**
     * The service's environment as compose passes it when no variable is set on the host: a map whether
     * the file writes a map or KEY=VALUE lines, with {@code ${VAR:-default}} replaced by its default.
     */
    private static Map<String, String> environment(String name) {
        Object environment = service(name).get("environment");
        Map<String, String> result = new LinkedHashMap<>();
        if (environment instanceof Map<?, ?> map) {
            map.forEach((k, v) -> result.put(String.valueOf(k), v == null ? "" : interpolate(String.valueOf(v))));
        } else if (environment instanceof List<?> list) {
            for (Object line : list) {
                String[] kv = String.valueOf(line).split("=", 2);
                result.put(kv[0], kv.length > 1 ? interpolate(kv[1]) : "");
            }
        }
        return result;
    }

    private static String interpolate(String value) {
        Matcher m = Pattern.compile("\\$\\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?}").matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) == null ? "" : m.group(1)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Published ports as host port → container port ("127.0.0.1:8080:8080" → 8080 → 8080). */
    private static Map<Integer, Integer> publishedPorts(String name) {
        Object ports = service(name).get("ports");
        Map<Integer, Integer> result = new LinkedHashMap<>();
        if (ports instanceof List<?> list) {
            for (Object port : list) {
                String[] parts = String.valueOf(port).replaceAll("/(tcp|udp)$", "").split(":");
                int container = Integer.parseInt(parts[parts.length - 1]);
                int host = parts.length >= 2 ? Integer.parseInt(parts[parts.length - 2]) : container;
                result.put(host, container);
            }
        }
        return result;
    }

    private static String healthcheck(String name) {
        Map<String, Object> healthcheck = map(service(name).get("healthcheck"), name + ".healthcheck");
        Object test = healthcheck.get("test");
        return test instanceof List<?> list ? list.stream().map(String::valueOf).collect(Collectors.joining(" "))
                : String.valueOf(test);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value, String what) {
        assertThat(value).as(what).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }
}
