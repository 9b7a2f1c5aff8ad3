package io.orderflow.platform.config;

import io.orderflow.platform.http.HttpLimits;

/**
 * What every service reads from its environment. Service-specific settings live in the
 * service's own config record, which holds one of these.
 *
 * @param serviceName also the service's consumer group and the prefix of its DLT
 * @param dataDir {@code DATA_DIR}: local files (Kafka Streams state), default {@code ./.orderflow}
 * @param httpHost {@code HTTP_HOST}: the interface to bind, {@code 127.0.0.1} by default (reachable from this
 *        machine only); {@code 0.0.0.0} in a container, where the published port decides who can reach it
 * @param httpPort {@code HTTP_PORT}
 * @param kafkaBootstrapServers {@code KAFKA_BOOTSTRAP_SERVERS}
 * @param schemaRegistryUrl {@code SCHEMA_REGISTRY_URL}
 * @param dbUrl {@code DB_URL}: by default the service's database on the PostgreSQL of a local stack
 *        ({@link #defaultDbUrl}); compose points it at its PostgreSQL
 * @param dbUser {@code DB_USER}: by default the role named like the service's database
 * @param dbPassword {@code DB_PASSWORD}: none by default (the local server trusts loopback)
 * @param topicPartitions {@code TOPIC_PARTITIONS}: partitions of every topic of the flow (co-partitioned)
 * @param topicReplicationFactor {@code TOPIC_REPLICATION_FACTOR}: 1 embedded, 3 in compose
 * @param httpLimits what one HTTP client may cost ({@code HTTP_MAX_BODY_BYTES}, ...: see {@link HttpLimits})
 * @param consumerMaxRecordsPerSecond {@code CONSUMER_MAX_RECORDS_PER_SECOND}: at most this many records per second
 *        applied by each subscription of the service, split evenly across its consumer loops, the rest waiting in Kafka (0, the default: no cap);
 *        in the all-in-one per service, e.g. {@code POINTS_CONSUMER_MAX_RECORDS_PER_SECOND}
 * @param consumerThreads {@code CONSUMER_THREADS}: consumer loops per subscription, each a member of the service's group
 *        with its share of the partitions (default 3): a loop spends its time waiting for the database, so one
 *        thread for all six partitions left the flow waiting on round trips
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
        short topicReplicationFactor,
        HttpLimits httpLimits,
        int consumerThreads, int consumerMaxRecordsPerSecond) {

    /** The port of the local stack's PostgreSQL (the all-in-one's {@code POSTGRES_PORT} default). */
    public static final int LOCAL_POSTGRES_PORT = 54329;

    /**
     * @param database the service's own database on a shared server, also the name of its role
     *        (as in {@code docker/postgres/init.sql}): the default of {@code DB_URL} and {@code DB_USER}
     */
    public static ServiceConfig fromEnv(Env env, String serviceName, String database, int defaultHttpPort) {
        return new ServiceConfig(
                serviceName,
                env.string("DATA_DIR", "./.orderflow"),
                env.string("HTTP_HOST", "127.0.0.1"),
                env.integer("HTTP_PORT", defaultHttpPort),
                env.string("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"),
                env.string("SCHEMA_REGISTRY_URL", "http://localhost:8081"),
                env.string("DB_URL", defaultDbUrl(database)),
                env.string("DB_USER", database),
                env.string("DB_PASSWORD", ""),
                env.integer("TOPIC_PARTITIONS", 6),
                (short) env.integer("TOPIC_REPLICATION_FACTOR", 1),
                HttpLimits.fromEnv(env),
                env.integer("CONSUMER_THREADS", 3),
                env.integer("CONSUMER_MAX_RECORDS_PER_SECOND", 0));
    }

    /**
     * {@code jdbc:postgresql://127.0.0.1:54329/<database>}: the PostgreSQL of a running all-in-one
     * (or any local stack on its default port), so a service started alone finds its database there.
     */
    public static String defaultDbUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + LOCAL_POSTGRES_PORT + "/" + database;
    }

    /** The consumer group of the service's idempotent consumers. */
    public String consumerGroup() {
        return serviceName;
    }
}
