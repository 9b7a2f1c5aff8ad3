package io.orderflow.order.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.orderflow.platform.http.Json;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random request bodies for fuzzing checkout: a valid order with a few random mutations (fields
 * removed, replaced by values of any JSON type, strings with quotes, controls, surrogates and
 * emoji, numbers of any size and form, deep nesting), or raw bytes (truncated, corrupted).
 */
final class RandomBodies {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String[] FIELDS = {"customerId", "currency", "items", "couponCode", "pointsToRedeem", "sku",
        "quantity", "unitPriceCents", "extra"};

    private RandomBodies() {
    }

    static byte[] next(Random random, String valid) throws Exception {
        ObjectNode order = (ObjectNode) Json.MAPPER.readTree(valid);
        order.put("customerId", "fuzz-" + random.nextInt(1_000_000));
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            JsonNode item = order.path("items").path(0);
            ObjectNode target = random.nextBoolean() && item instanceof ObjectNode o ? o : order;
            String field = FIELDS[random.nextInt(FIELDS.length)];
            switch (random.nextInt(4)) {
                case 0 -> target.remove(field);
                case 1 -> target.set(field, value(random, 0));
                case 2 -> {
                    if (order.get("items") instanceof ArrayNode items && items.size() > 0) {
                        for (int k = random.nextInt(120); k > 0; k--) {
                            items.add(items.get(0).deepCopy());
                        }
                    }
                }
                default -> target.set(field, NODES.textNode(text(random)));
            }
        }
        byte[] json = Json.MAPPER.writeValueAsBytes(order);
        return switch (random.nextInt(10)) {
            case 0 -> java.util.Arrays.copyOf(json, random.nextInt(json.length)); // truncated
            case 1 -> corrupt(random, json);
            case 2 -> (new String(json, StandardCharsets.UTF_8) + randomTail(random)).getBytes(StandardCharsets.UTF_8);
            default -> json;
        };
    }

    private static JsonNode value(Random random, int depth) {
        switch (random.nextInt(depth > 3 ? 7 : 9)) {
            case 0: return NODES.nullNode();
            case 1: return NODES.booleanNode(random.nextBoolean());
            case 2: return NODES.numberNode(random.nextInt(20_001) - 10_000);
            case 3: return NODES.numberNode(random.nextLong());
            case 4: {
                BigInteger beyond64Bits = new BigInteger(64 + random.nextInt(100), random);
                return NODES.numberNode(random.nextBoolean() ? beyond64Bits : beyond64Bits.negate());
            }
            case 5: return NODES.numberNode(random.nextDouble() * Math.pow(10, random.nextInt(30) - 10));
            case 6: return NODES.textNode(text(random));
            case 7: {
                ArrayNode array = NODES.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(value(random, depth + 1));
                }
                return array;
            }
            default: {
                ObjectNode object = NODES.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    object.set(FIELDS[random.nextInt(FIELDS.length)], value(random, depth + 1));
                }
                return object;
            }
        }
    }

    /** Short or long, from an alphabet heavy in what breaks things. */
    private static String text(Random random) {
        String[] pieces = {"a", "Z", "9", "-", " ", "\"", "\\", "\u0000", "\u0007", "\n", "\u202E", "\uFEFF", "\u00e9",
            "\uD83D\uDE00", "'", "<", "%00", "USD"};
        int length = random.nextInt(10) == 0 ? 50 + random.nextInt(200) : random.nextInt(12);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append(pieces[random.nextInt(pieces.length)]);
        }
        return s.toString();
    }

    private static byte[] corrupt(Random random, byte[] json) {
        byte[] copy = json.clone();
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
        }
        return copy;
    }

    private static String randomTail(Random random) {
        List<String> tails = new ArrayList<>(List.of("x", "{}", "]", "\u0000", " null", ",{\"a\":1}", "\n\n"));
        return tails.get(random.nextInt(tails.size()));
    }
}
