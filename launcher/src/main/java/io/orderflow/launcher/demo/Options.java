package io.orderflow.launcher.demo;

import java.util.Map;

/** How the demos run: {@code --quick} (smaller counts, for the tests) and a demo's own knobs (e.g. {@code --orders}). */
record Options(boolean quick, Map<String, String> values) {

    /** {@code full} normally, {@code quickValue} in quick mode, unless {@code --<name>} gives it. */
    int integer(String name, int full, int quickValue) {
        String v = values.get("--" + name);
        return v != null ? Integer.parseInt(v) : quick ? quickValue : full;
    }
}
