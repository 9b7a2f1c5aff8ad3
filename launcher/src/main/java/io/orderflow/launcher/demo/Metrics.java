package io.orderflow.launcher.demo;

/**
 * The one place the demos read a service's {@code /metrics} (Prometheus text): metric names may change,
 * so they are named here only.
 */
final class Metrics {

    static final String CONSUMER_APPLIED = "orderflow_consumer_applied_total";
    static final String CONSUMER_DUPLICATES = "orderflow_consumer_duplicates_total";
    static final String CONSUMER_DEAD_LETTERED = "orderflow_consumer_dead_lettered_total";

    private Metrics() {
    }

    /** The value of {@code name} (summed over its label sets) at {@code serviceUrl/metrics}; 0 if absent. */
    static double read(String serviceUrl, String name) throws Exception {
        double sum = 0;
        for (String line : Http.text(serviceUrl + "/metrics").split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            String metric = line.contains("{") ? line.substring(0, line.indexOf('{')) : line.split(" ")[0];
            if (metric.equals(name)) {
                String[] parts = line.trim().split(" ");
                sum += Double.parseDouble(parts[parts.length - 1]);
            }
        }
        return sum;
    }
}
