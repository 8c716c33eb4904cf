package dev.outbox.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
