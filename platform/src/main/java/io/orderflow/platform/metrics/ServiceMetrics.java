package io.orderflow.platform.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.orderflow.platform.kafka.KafkaClients;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.clients.admin.Admin;

/**
 * The {@code /metrics} of one service: a Micrometer registry in the Prometheus text format, every meter
 * tagged {@code service=<name>}. What explains a slowdown, stage by stage: outbox rows published and
 * waiting (the relay), events applied per consumer group and each group's lag per topic (the consumers,
 * the saga's {@code order-saga} group, the status applier on {@code orders.status}), HTTP latency
 * histograms (see {@code HttpApi}), connection pool waits (Hikari's own Micrometer tracker), and the JVM.
 */
public final class ServiceMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final GroupLag lag;
    private final List<String> groups = new CopyOnWriteArrayList<>();
    private final MultiGauge lagGauge;
    private JvmGcMetrics gc;

    public ServiceMetrics(String service, String bootstrapServers) {
        registry.config().commonTags("service", service);
        this.lag = new GroupLag(Admin.create(KafkaClients.admin(bootstrapServers)));
        this.lagGauge = MultiGauge.builder("orderflow.consumer.group.lag")
                .description("Records a consumer group has yet to process, per topic (end offset - committed offset)")
                .baseUnit("records").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A monotonically growing count read from {@code source} (e.g. events published), as {@code <name>_total}. */
    public <T> ServiceMetrics counter(String name, String description, T source, ToDoubleFunction<T> count) {
        FunctionCounter.builder(name, source, count).description(description).register(registry);
        return this;
    }

    /** A value that goes up and down (e.g. parked rows). */
    public <T> ServiceMetrics gauge(String name, String description, T source, ToDoubleFunction<T> value) {
        Gauge.builder(name, source, value).description(description).register(registry);
        return this;
    }

    /** Also report the lag of {@code group} (this service's consumers' group is added by the runtime). */
    public ServiceMetrics watchGroup(String group) {
        if (!groups.contains(group)) {
            groups.add(group);
        }
        return this;
    }

    /** The Prometheus exposition text; the group lags are asked of the broker (cached for a few seconds). */
    public String scrape() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (String group : groups) {
            for (Map.Entry<String, Long> e : lag.lag(group).entrySet()) {
                long value = e.getValue();
                rows.add(MultiGauge.Row.of(Tags.of("group", group, "topic", e.getKey()), (Supplier<Number>) () -> value));
            }
        }
        lagGauge.register(rows, true);
        return registry.scrape();
    }

    public static String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }

    @Override
    public void close() {
        lag.close();
        if (gc != null) {
            gc.close();
        }
        registry.close();
    }
}
