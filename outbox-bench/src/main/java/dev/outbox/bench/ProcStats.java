package dev.outbox.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** CPU time and peak RSS of a process, read from /proc (Linux). */
final class ProcStats {
    private ProcStats() {
    }

    /** Assumed USER_HZ; Linux fixes it at 100 on every mainstream architecture. */
    static final double TICKS_PER_SECOND = 100.0;

    /** utime + stime in seconds, or empty when the process is gone. */
    static OptionalLong cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may contain spaces: fields are counted from the closing parenthesis.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return OptionalLong.of(Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** VmHWM (peak resident set) in kB, or empty when the process is gone. */
    static OptionalLong peakRssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")));
                }
            }
            return OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** CPU ticks per thread name (threads of one name summed), read from /proc/pid/task. */
    static java.util.Map<String, Long> threadTicks(long pid) {
        java.util.Map<String, Long> result = new java.util.HashMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                            .replaceAll("(?<=[-#])[0-9]+", "N");
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    result.merge(name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long::sum);
                } catch (IOException | RuntimeException e) {
                    // The thread ended between the listing and the read.
                }
            }
        } catch (IOException | RuntimeException e) {
            return result;
        }
        return result;
    }

    /** The PostgreSQL postmaster listening on {@code port} (its command line has "-p port"), if any. */
    static java.util.Optional<Long> postmaster(int port) {
        try (var processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.toList()) {
                String name = process.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String[] argv = Files.readString(process.resolve("cmdline")).split("\0");
                    if (isPostmaster(argv, port)) {
                        return java.util.Optional.of(Long.parseLong(name));
                    }
                } catch (IOException | RuntimeException e) {
                    // The process ended between the listing and the read.
                }
            }
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.empty();
    }

    static boolean isPostmaster(String[] argv, int port) {
        if (argv.length == 0 || !(argv[0].equals("postgres") || argv[0].endsWith("/postgres"))) {
            return false;
        }
        for (int i = 1; i + 1 < argv.length; i++) {
            if (argv[i].equals("-p") && argv[i + 1].equals(Integer.toString(port))) {
                return true;
            }
        }
        return false;
    }

    /** Linux keeps the first 15 characters of a thread's name (/proc/<pid>/task/<tid>/comm and stat). */
    private static final int KERNEL_NAME_LENGTH = 15;

    /** Thread name prefixes of the sandbox JVM and the part each works for; the first that matches counts. */
    private static final List<Map.Entry<String, String>> SANDBOX_PARTS = List.of(
            Map.entry("outbox-consumer", "services-consumers"),
            Map.entry("outbox-saga", "order-timeouts"),
            Map.entry("kafka-coordinator-heartbeat", "services-kafka-clients"),
            Map.entry("kafka-producer", "services-kafka-clients"),
            Map.entry("data-plane-kafka", "broker"),
            Map.entry("kafka-", "broker"),
            Map.entry("quorum", "broker"),
            Map.entry("group-coordinator", "broker"),
            Map.entry("broker-", "broker"),
            Map.entry("share-coordinator", "broker"),
            Map.entry("executor-", "broker"),
            Map.entry("ExpirationReaper", "broker"),
            Map.entry("raft", "broker"),
            Map.entry("ForkJoinPool-", "services-http"), // virtual threads' carriers: the services' HTTP handlers
            Map.entry("HttpClient", "load-generator"),
            Map.entry("sandbox-", "load-generator"),
            Map.entry("C1 ", "jit"),
            Map.entry("C2 ", "jit"),
            Map.entry("GC ", "gc-vm"),
            Map.entry("G1 ", "gc-vm"));

    /**
     * The part of the saga system a thread of the sandbox JVM works for, by its name as the kernel keeps it (15
     * characters, so the two services' consumer threads are one part): the in-JVM Kafka broker, the services'
     * consumers, their Kafka clients' background threads, the services' HTTP handlers, the timeout scanner, the load
     * generator (workload, progress bar, its HTTP client, the main thread), the JIT compilers, the garbage collector
     * and VM thread, or "other".
     */
    static String sandboxPart(String thread) {
        if (thread.equals("main") || thread.equals("java")) {
            return "load-generator"; // the main thread: "java" in /proc
        }
        if (thread.equals("VM Thread")) {
            return "gc-vm";
        }
        for (Map.Entry<String, String> rule : SANDBOX_PARTS) {
            String prefix = rule.getKey();
            if (thread.startsWith(prefix.substring(0, Math.min(prefix.length(), KERNEL_NAME_LENGTH)))) {
                return rule.getValue();
            }
        }
        return "other";
    }

    /** What one thread or process has used so far, and the part of the system it belongs to. */
    record PartCounter(String part, double seconds) {
    }

    /**
     * CPU seconds so far of each thread and process of a running sandbox, keyed by thread or process id, with its
     * part: the JVM's threads by {@link #sandboxPart}, each relay process (by its {@code OUTBOX_RELAY_NAME}) and
     * PostgreSQL (the postmaster and its backends). Keyed by id so that a window's figures are differences of the
     * same thread or process: threads and backends come and go during a run.
     */
    static java.util.Map<String, PartCounter> sagaParts(long sandbox, java.util.Optional<Long> postmaster) {
        java.util.Map<String, PartCounter> counters = new java.util.HashMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(sandbox), "task"))) {
            for (Path task : tasks.toList()) {
                threadCounter(task).ifPresent(c -> counters.put("tid:" + task.getFileName(), c));
            }
        } catch (IOException | RuntimeException e) {
            // The sandbox has exited: no threads to count.
        }
        ProcessHandle.of(sandbox).ifPresent(handle -> handle.descendants().forEach(child -> {
            String relay = relayName(child.pid());
            if (relay != null) {
                cpuTicks(child.pid()).ifPresent(t -> counters.put("pid:" + child.pid(),
                        new PartCounter("relay:" + relay, t / TICKS_PER_SECOND)));
            }
        }));
        postmaster.ifPresent(pid -> {
            cpuTicks(pid).ifPresent(t -> counters.put("pid:" + pid, new PartCounter("postgresql",
                    t / TICKS_PER_SECOND)));
            ProcessHandle.of(pid).ifPresent(handle -> handle.descendants().forEach(backend -> cpuTicks(backend.pid())
                    .ifPresent(t -> counters.put("pid:" + backend.pid(), new PartCounter("postgresql",
                            t / TICKS_PER_SECOND)))));
        });
        return counters;
    }

    /**
     * CPU seconds per part between two {@link #sagaParts} readings: each thread or process's own difference, all of
     * it for one started in between; one that ended in between is lost (its last seconds cannot be read any more).
     */
    static java.util.Map<String, Double> partDifferences(java.util.Map<String, PartCounter> start,
            java.util.Map<String, PartCounter> end) {
        java.util.Map<String, Double> parts = new java.util.TreeMap<>();
        end.forEach((id, counter) -> {
            PartCounter before = start.get(id);
            double since = before == null ? 0 : before.seconds();
            parts.merge(counter.part(), Math.max(0, counter.seconds() - since), Double::sum);
        });
        return parts;
    }

    private static java.util.Optional<PartCounter> threadCounter(Path task) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                    .replaceAll("(?<=[-#])[0-9]+", "N");
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return java.util.Optional.of(new PartCounter("jvm:" + sandboxPart(name), ticks / TICKS_PER_SECOND));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty(); // the thread ended between the listing and the read
        }
    }

    /** The relay name of a relay process (its {@code OUTBOX_RELAY_NAME}), or null for any other process. */
    private static String relayName(long pid) {
        try {
            String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
            if (!cmdline.contains("dev.outbox.relay.RelayMain")) {
                return null;
            }
            for (String variable : Files.readString(Path.of("/proc", Long.toString(pid), "environ")).split("\0")) {
                if (variable.startsWith("OUTBOX_RELAY_NAME=")) {
                    return variable.substring("OUTBOX_RELAY_NAME=".length());
                }
            }
            return Long.toString(pid);
        } catch (IOException | RuntimeException e) {
            return null; // gone, or not ours to read
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
