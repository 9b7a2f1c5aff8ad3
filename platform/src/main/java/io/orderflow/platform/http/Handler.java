package io.orderflow.platform.http;

/** Answers one route. Throw {@link Problem} for a client error; anything else becomes a logged 500. */
@FunctionalInterface
public interface Handler {

    Response handle(Request request) throws Exception;
}
