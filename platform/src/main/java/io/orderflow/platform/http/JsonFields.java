package io.orderflow.platform.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.platform.http.Problem.FieldError;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Field-by-field reading of a JSON request, collecting every invalid field into a list (so one
 * 400 names them all). Strings are trimmed and refused when blank (if required), longer than their
 * limit, or carrying characters nobody types: control (Cc) and format (Cf) characters, line or
 * paragraph separators, and unpaired surrogates. Whole numbers must be JSON integers within a range,
 * so fractions, strings and anything beyond 64 bits are refused, never rounded or wrapped.
 */
public final class JsonFields {

    private static final Pattern POINTER_INDEX = Pattern.compile("/(\\d+)(?=/|$)");

    private JsonFields() {
    }

    /** A trimmed string of 1 to {@code maxLength} characters, or null (with an error) when missing or invalid. */
    public static String requiredText(JsonNode parent, String field, String path, int maxLength, List<FieldError> errors) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            errors.add(new FieldError(path, "is required"));
            return null;
        }
        String value = text(node, path, maxLength, errors);
        if (value != null && value.isEmpty()) {
            errors.add(new FieldError(path, "must not be blank"));
            return null;
        }
        return value;
    }

    /** Like {@link #requiredText}, but absent, null or blank is null without an error. */
    public static String optionalText(JsonNode parent, String field, String path, int maxLength, List<FieldError> errors) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        String value = text(node, path, maxLength, errors);
        return value == null || value.isEmpty() ? null : value;
    }

    /** A JSON integer from {@code min} to {@code max}; {@code absent} when missing or null and not required. */
    public static long wholeNumber(JsonNode parent, String field, String path, long min, long max, Long absent,
                                   List<FieldError> errors) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            if (absent == null) {
                errors.add(new FieldError(path, "is required"));
                return 0;
            }
            return absent;
        }
        // Never asLong() first: it wraps a number beyond 64 bits (2^64 + 1 would become 1).
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < min || node.longValue() > max) {
            errors.add(new FieldError(path, "must be a whole number from " + min + " to " + max));
            return 0;
        }
        return node.longValue();
    }

    /** Whether {@code s} has no control or format characters, line separators or unpaired surrogates. */
    public static boolean isPrintable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return false;
            }
            switch (Character.getType(c)) {
                case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.LINE_SEPARATOR,
                        Character.PARAGRAPH_SEPARATOR -> {
                    return false;
                }
                default -> {
                }
            }
        }
        return true;
    }

    /** A JSON pointer ({@code /items/0/sku}) as the field path used in problems ({@code items[0].sku}). */
    static String path(String pointer) {
        String withIndexes = POINTER_INDEX.matcher(pointer).replaceAll("[$1]");
        String dotted = withIndexes.replace('/', '.');
        return dotted.startsWith(".") ? dotted.substring(1) : dotted;
    }

    private static String text(JsonNode node, String path, int maxLength, List<FieldError> errors) {
        if (!node.isTextual()) {
            errors.add(new FieldError(path, "must be a string"));
            return null;
        }
        // Checked before trimming: trim() would silently drop a leading or trailing NUL.
        if (!isPrintable(node.textValue())) {
            errors.add(new FieldError(path, "must not contain control characters"));
            return null;
        }
        String value = node.textValue().strip();
        if (value.length() > maxLength) {
            errors.add(new FieldError(path, "must be at most " + maxLength + " characters"));
            return null;
        }
        return value;
    }
}
