package dev.outbox.bench;

import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Listens to a sandbox's output and reads the CPU counters when its workload starts ("Placing ...") and when its
 * summary is written ("  summary written to ..."): the sandbox JVM, and apart its relays plus the PostgreSQL it
 * started (found by its port once the system is up, and adopted by the {@link ChildProcess}).
 */
final class SagaCpuWindow implements Consumer<String> {

    private final int postgresPort;
    private volatile ChildProcess child;
    private volatile Long postmaster;
    private volatile double jvmStart = Double.NaN;
    private volatile double othersStart = Double.NaN;
    private volatile double jvmEnd = Double.NaN;
    private volatile double othersEnd = Double.NaN;
    private volatile Map<String, ProcStats.PartCounter> partsStart = Map.of();
    private volatile Map<String, ProcStats.PartCounter> partsEnd = Map.of();

    SagaCpuWindow(int postgresPort) {
        this.postgresPort = postgresPort;
    }

    void attach(ChildProcess child) {
        this.child = child;
    }

    @Override
    public void accept(String line) {
        ChildProcess process = child;
        if (process == null) {
            return;
        }
        if (line.startsWith("Placing ")) {
            ProcStats.postmaster(postgresPort).ifPresent(pid -> {
                postmaster = pid;
                process.adopt(pid);
            });
            process.sampleOnce();
            jvmStart = process.childCpuSeconds();
            othersStart = process.descendantCpuSeconds();
            partsStart = ProcStats.sagaParts(process.pid(), Optional.ofNullable(postmaster));
        } else if (line.startsWith("  summary written to ")) {
            process.sampleOnce();
            jvmEnd = process.childCpuSeconds();
            othersEnd = process.descendantCpuSeconds();
            partsEnd = ProcStats.sagaParts(process.pid(), Optional.ofNullable(postmaster));
        }
    }

    boolean complete() {
        return !Double.isNaN(jvmStart) && !Double.isNaN(jvmEnd);
    }

    double jvmSeconds() {
        return jvmEnd - jvmStart;
    }

    double othersSeconds() {
        return othersEnd - othersStart;
    }

    /** CPU seconds of each part of the system (see {@link ProcStats#sagaParts}) within the window. */
    Map<String, Double> partSeconds() {
        return ProcStats.partDifferences(partsStart, partsEnd);
    }

    Optional<Long> postmaster() {
        return Optional.ofNullable(postmaster);
    }
}
