package io.orderflow.platform.http;

/**
 * Admits a request or refuses it with a {@link Problem}, before its body is read: e.g. an
 * authorization check, so an unauthenticated client cannot even make the server read a body.
 */
@FunctionalInterface
public interface Guard {

    /** @param request path, query and headers; its body is not read yet (empty) */
    void check(Request request);
}
