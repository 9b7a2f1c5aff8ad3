package io.orderflow.launcher.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What a demo prints (indented under its name) and its verdict: every check it makes, and one headline
 * figure; and how it should run ({@link #quick()}: smaller counts for the tests; where pictures go).
 */
final class DemoOut {

    private final PrintStream out;
    private final Options options;
    private final java.nio.file.Path picturesDir;
    private final java.nio.file.Path workDir;
    private final List<String> failures = new ArrayList<>();
    private final List<String> pictures = new ArrayList<>();
    private String headline = "";
    private boolean skipped;

    DemoOut(PrintStream out, Options options, java.nio.file.Path picturesDir, java.nio.file.Path workDir) {
        this.out = out;
        this.options = options;
        this.picturesDir = picturesDir;
        this.workDir = workDir;
    }

    boolean quick() {
        return options.quick();
    }

    Options options() {
        return options;
    }

    /** {@code full} normally, {@code quick} in quick mode. */
    int count(int full, int quickCount) {
        return options.quick() ? quickCount : full;
    }

    java.nio.file.Path picturePath(String fileName) {
        return picturesDir.resolve(fileName);
    }

    /** A fresh directory for what the demo starts itself (child JVMs, their logs). */
    java.nio.file.Path workDir(String name) {
        return workDir.resolve(name);
    }

    /** A line of the story. */
    void say(String format, Object... args) {
        out.println("  " + String.format(format, args));
    }

    /** A check: printed as ✓/✗ with what it claims; a false one fails the demo. */
    boolean check(boolean ok, String format, Object... args) {
        String claim = String.format(format, args);
        out.println("  " + (ok ? "[ok] " : "[FAILED] ") + claim);
        if (!ok) {
            failures.add(claim);
        }
        return ok;
    }

    /** The figure for the summary table. */
    void headline(String format, Object... args) {
        headline = String.format(format, args);
    }

    void picture(String path) {
        pictures.add(path);
        say("picture: %s", path);
    }

    /** Not run here: {@code why} (also the summary's headline), and what to do instead. */
    void skip(String why, String instead) {
        skipped = true;
        headline = why;
        say("SKIP: %s;", why);
        say("      %s.", instead);
    }

    void fail(String why) {
        failures.add(why);
        out.println("  [FAILED] " + why);
    }

    String verdict() {
        return skipped ? "SKIP" : failures.isEmpty() ? "PASS" : "FAIL";
    }

    String headline() {
        return headline;
    }

    List<String> failures() {
        return failures;
    }

    List<String> pictures() {
        return pictures;
    }
}
