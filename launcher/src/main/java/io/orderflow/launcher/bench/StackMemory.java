package io.orderflow.launcher.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The memory of the stack under test, read from {@code /proc} (Linux): the all-in-one JVM plus every
 * PostgreSQL process (the postmaster, found by its {@code postmaster.pid}, and its children). RSS counts
 * PostgreSQL's shared buffers once per process that touched them, so the sum overstates; PSS shares them
 * out and is the honest total. Sampled by the bench once a second; it keeps the peak per phase. Also the CPU
 * time the stack used: on a machine shared with other work, CPU seconds per order compare runs where
 * throughput cannot (PostgreSQL backends that exited meanwhile are not counted; the pools keep theirs).
 */
final class StackMemory {

    /** Bytes at one moment; zero where {@code /proc} is not readable (not Linux). */
    record Sample(long rssBytes, long pssBytes, long jvmRssBytes) {
    }

    private final long jvmPid;
    private final Path postmasterPidFile;

    StackMemory(long jvmPid, Path postgresDataDir) {
        this.jvmPid = jvmPid;
        this.postmasterPidFile = postgresDataDir.resolve("postmaster.pid");
    }

    /** CPU seconds (user + system) used so far by the JVM and by the PostgreSQL processes alive now. */
    record Cpu(double jvmSeconds, double postgresSeconds) {
        double total() {
            return jvmSeconds + postgresSeconds;
        }

        Cpu minus(Cpu earlier) {
            return new Cpu(jvmSeconds - earlier.jvmSeconds, postgresSeconds - earlier.postgresSeconds);
        }
    }

    Cpu cpu() {
        double postgres = 0;
        OptionalLong pm = postmasterPid();
        if (pm.isPresent()) {
            postgres += cpuSeconds(pm.getAsLong());
            for (long child : childrenOf(pm.getAsLong())) {
                postgres += cpuSeconds(child);
            }
        }
        return new Cpu(cpuSeconds(jvmPid), postgres);
    }

    /** utime + stime of a process, from {@code /proc/<pid>/stat} (fields 14 and 15, in clock ticks of 1/100 s). */
    private static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(rest[11]) + Long.parseLong(rest[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    Sample sample() {
        List<Long> pids = new ArrayList<>();
        pids.add(jvmPid);
        postmasterPid().ifPresent(pm -> {
            pids.add(pm);
            pids.addAll(childrenOf(pm));
        });
        long rss = 0;
        long pss = 0;
        for (long pid : pids) {
            rss += kib(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:") * 1024;
            pss += kib(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:") * 1024;
        }
        return new Sample(rss, pss, kib(Path.of("/proc", Long.toString(jvmPid), "status"), "VmRSS:") * 1024);
    }

    private OptionalLong postmasterPid() {
        try {
            String first = Files.readAllLines(postmasterPidFile).get(0).trim();
            return OptionalLong.of(Long.parseLong(first));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    private static List<Long> childrenOf(long parent) {
        List<Long> children = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'
                    String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (Long.parseLong(rest[1]) == parent) {
                        children.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile
                }
            });
        } catch (IOException e) {
            return children;
        }
        return children;
    }

    private static long kib(Path file, String field) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
