package io.orderflow.platform.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The guard of operator endpoints, i.e. anything that changes state outside the saga:
 * {@code Authorization: Bearer <ADMIN_TOKEN>}. With no token configured the endpoints are off
 * (403: no credential can work, so 401 would invite guessing). A wrong or missing token is 401
 * with {@code WWW-Authenticate: Bearer}. Tokens are compared as SHA-256 digests in constant time,
 * so neither their content nor their length leaks through timing.
 */
public final class AdminToken implements Guard {

    /** Shorter tokens are refused at start-up: an operator credential must not be guessable. */
    public static final int MIN_LENGTH = 16;
    private static final String SCHEME = "Bearer ";

    private final byte[] expectedDigest;

    private AdminToken(byte[] expectedDigest) {
        this.expectedDigest = expectedDigest;
    }

    /** The guard for {@code token} (ADMIN_TOKEN); empty turns the guarded endpoints off. */
    public static AdminToken of(Optional<String> token) {
        if (token.isPresent() && token.get().length() < MIN_LENGTH) {
            throw new IllegalArgumentException("ADMIN_TOKEN must be at least " + MIN_LENGTH + " characters");
        }
        return new AdminToken(token.map(AdminToken::digest).orElse(null));
    }

    public boolean enabled() {
        return expectedDigest != null;
    }

    @Override
    public void check(Request request) {
        if (expectedDigest == null) {
            throw new Problem(403, "Forbidden", "This operator endpoint is off: the service has no ADMIN_TOKEN");
        }
        String presented = request.header("Authorization")
                .filter(h -> h.regionMatches(true, 0, SCHEME, 0, SCHEME.length()))
                .map(h -> h.substring(SCHEME.length()).trim())
                .orElse(null);
        if (presented == null || !MessageDigest.isEqual(expectedDigest, digest(presented))) {
            throw new Problem(401, "Unauthorized", presented == null
                    ? "This operator endpoint needs Authorization: Bearer <ADMIN_TOKEN>"
                    : "The bearer token is not valid")
                    .withHeader("WWW-Authenticate", presented == null ? "Bearer" : "Bearer error=\"invalid_token\"");
        }
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
