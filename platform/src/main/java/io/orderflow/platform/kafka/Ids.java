package io.orderflow.platform.kafka;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Random (version 4) UUIDs for order, payment and event ids, as strong as {@link UUID#randomUUID()} but
 * without its one process-wide lock: {@code UUID.randomUUID()} draws from a single shared
 * {@code SecureRandom}, and 64 HTTP workers placing orders queued on it (seen in the JFR profile as
 * monitor contention in checkout). Here 16 DRBGs, each seeded once from the system's entropy, are shared by
 * thread: two threads wait for each other only when they draw on the same one at the same instant. (One per
 * thread seeded each new pool thread from the one system entropy source, which showed as contention again.)
 */
public final class Ids {

    private static final SecureRandom[] STRIPES = new SecureRandom[16];

    static {
        for (int i = 0; i < STRIPES.length; i++) {
            STRIPES[i] = newRandom();
        }
    }

    private Ids() {
    }

    /** A new random UUID, e.g. {@code 3f2b...-4...}. */
    public static String uuid() {
        byte[] b = new byte[16];
        STRIPES[(int) (Thread.currentThread().getId() & (STRIPES.length - 1))].nextBytes(b);
        b[6] = (byte) ((b[6] & 0x0f) | 0x40); // version 4
        b[8] = (byte) ((b[8] & 0x3f) | 0x80); // IETF variant
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = (msb << 8) | (b[i] & 0xff);
            lsb = (lsb << 8) | (b[i + 8] & 0xff);
        }
        return new UUID(msb, lsb).toString();
    }

    private static SecureRandom newRandom() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }
}
