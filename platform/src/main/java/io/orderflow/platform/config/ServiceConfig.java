package io.orderflow.platform.config;

/**
 * What every service reads from its environment. Service-specific settings live in the
 * service's own config record, which holds one of these.
 *
 * @param serviceName also the service's consumer group and the prefix of its DLT
 * @param dataDir {@code DATA_DIR}: local files (H2 databases, Kafka Streams state), default {@code ./.orderflow}
 * @param httpHost {@code HTTP_HOST}: the interface to bind, {@code 127.0.0.1} by default (reachable from this
 *        machine only); {@code 0.0.0.0} in a container, where the published port decides who can reach it
 * @param httpPort {@code HTTP_PORT}
 * @param kafkaBootstrapServers {@code KAFKA_BOOTSTRAP_SERVERS}
 * @param schemaRegistryUrl {@code SCHEMA_REGISTRY_URL}
 * @param dbUrl {@code DB_URL}: H2 file by default, {@code jdbc:postgresql://...} in compose
 * @param dbUser {@code DB_USER}
 * @param dbPassword {@code DB_PASSWORD}
 * @param topicPartitions {@code TOPIC_PARTITIONS}: partitions of every topic of the flow (co-partitioned)
 * @param topicReplicationFactor {@code TOPIC_REPLICATION_FACTOR}: 1 embedded, 3 in compose
 */
public record ServiceConfig(
        String serviceName,
        String dataDir,
        String httpHost,
        int httpPort,
        String kafkaBootstrapServers,
        String schemaRegistryUrl,
        String dbUrl,
        String dbUser,
        String dbPassword,
        int topicPartitions,
        short topicReplicationFactor) {

    public static ServiceConfig fromEnv(Env env, String serviceName, int defaultHttpPort) {
        String dataDir = env.string("DATA_DIR", "./.orderflow");
        return new ServiceConfig(
                serviceName,
                dataDir,
                env.string("HTTP_HOST", "127.0.0.1"),
                env.integer("HTTP_PORT", defaultHttpPort),
                env.string("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"),
                env.string("SCHEMA_REGISTRY_URL", "http://localhost:8081"),
                env.string("DB_URL", defaultH2Url(dataDir, serviceName)),
                env.string("DB_USER", "sa"),
                env.string("DB_PASSWORD", ""),
                env.integer("TOPIC_PARTITIONS", 6),
                (short) env.integer("TOPIC_REPLICATION_FACTOR", 1));
    }

    /** H2 in file mode, PostgreSQL-compatible: the quickstart needs nothing installed. */
    public static String defaultH2Url(String dataDir, String serviceName) {
        return "jdbc:h2:file:" + java.nio.file.Path.of(dataDir, "db", serviceName).toAbsolutePath().normalize()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;LOCK_TIMEOUT=10000"
                // The services close their pools on shutdown; H2 closing first would fail their last commits.
                + ";DB_CLOSE_ON_EXIT=FALSE";
    }

    /** The consumer group of the service's idempotent consumers. */
    public String consumerGroup() {
        return serviceName;
    }
}
