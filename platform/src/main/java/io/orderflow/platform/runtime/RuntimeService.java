package io.orderflow.platform.runtime;

import io.orderflow.platform.lifecycle.Service;

/**
 * A service standing on a {@link ServiceRuntime}: the lifecycle every OrderFlow service shares.
 * A subclass wires its handlers and routes when it is created, and may do more just before or
 * after the runtime starts; a failed start closes everything it opened.
 */
public abstract class RuntimeService implements Service {

    protected final ServiceRuntime runtime;

    protected RuntimeService(ServiceRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public String name() {
        return runtime.config().serviceName();
    }

    @Override
    public final void start() throws Exception {
        try {
            beforeStart();
            runtime.start();
            afterStart();
        } catch (Exception e) {
            runtime.close();
            throw e;
        }
    }

    /** Work that must be done before consumers and HTTP start (e.g. publishing reference data). */
    protected void beforeStart() throws Exception {
    }

    /** Work that needs the topics to exist (e.g. a Kafka Streams app). */
    protected void afterStart() throws Exception {
    }

    public ServiceRuntime runtime() {
        return runtime;
    }

    /** The bound HTTP port (HTTP_PORT=0 picks a free one). */
    public int httpPort() {
        return runtime.http().port();
    }

    @Override
    public void close() {
        runtime.close();
    }
}
