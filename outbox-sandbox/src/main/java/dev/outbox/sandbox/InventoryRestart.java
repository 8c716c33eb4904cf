package dev.outbox.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The restart disruption ({@code --kill-inventory-after N}): the inventory service, handed over to a process of its
 * own before the workload, is killed with SIGKILL after N orders and started again at once, as an orchestrator
 * restarts a crashed pod. What it measures is how soon the new process's consumer applies events again: with
 * static group membership it takes the dead member's partitions back as soon as it joins.
 */
final class InventoryRestart {

    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration RESUME_TIMEOUT = Duration.ofSeconds(90);

    /** When the new process started, when its HTTP API first answered, and when its consumer applied an event. */
    record Figures(int afterOrders, Instant processStarted, Instant healthy, Instant resumed) {

        Duration sinceProcessStart() {
            return Duration.between(processStarted, resumed);
        }

        Duration sinceHealthy() {
            return Duration.between(healthy, resumed);
        }

        String render() {
            return String.format("  inventory service killed (SIGKILL) after %d orders and started again: its "
                    + "consumer applied events %d ms after the new process started (%d ms after its HTTP API "
                    + "answered)%n", afterOrders, sinceProcessStart().toMillis(), sinceHealthy().toMillis());
        }
    }

    private final SandboxSystem system;
    private final InventoryProcess process;
    private final AtomicReference<Figures> figures = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private InventoryRestart(SandboxSystem system, InventoryProcess process) {
        this.system = system;
        this.process = process;
    }

    /** Moves the inventory service from the sandbox JVM into a process of its own, which the system then owns. */
    static InventoryRestart handOver(SandboxSystem system) {
        return new InventoryRestart(system, system.runInventoryAsProcess(START_TIMEOUT));
    }

    SandboxDemo.Disruption disruption(int afterOrders) {
        return new SandboxDemo.Disruption(afterOrders,
                "the inventory service is killed (SIGKILL) and started again at once", () -> killAndRestart(afterOrders));
    }

    private void killAndRestart(int afterOrders) {
        try {
            process.kill();
            InventoryProcess.Started started = process.start(START_TIMEOUT);
            figures.set(new Figures(afterOrders, started.process(), started.healthy(),
                    firstEventAppliedSince(started.process())));
        } catch (Throwable e) {
            failure.set(e);
        }
    }

    /** The restart's figures once it happened; fails with the restart's own error if it went wrong. */
    Optional<Figures> figures() {
        Throwable error = failure.get();
        if (error != null) {
            throw new IllegalStateException("the inventory service's restart failed: " + error, error);
        }
        return Optional.ofNullable(figures.get());
    }

    InventoryProcess process() {
        return process;
    }

    /** When the inventory's consumer first applied an event at or after {@code since} (its inbox row's time). */
    private Instant firstEventAppliedSince(Instant since) throws InterruptedException {
        long deadline = System.nanoTime() + RESUME_TIMEOUT.toNanos();
        String group = system.inventoryConfig().consumerGroup();
        while (System.nanoTime() < deadline) {
            OffsetDateTime first = system.inventory().fetchOne("SELECT min(processed_at) FROM processed_event "
                    + "WHERE consumer_group = ? AND processed_at >= ?::timestamptz", group, since.toString())
                    .get(0, OffsetDateTime.class);
            if (first != null) {
                return first.toInstant();
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new IllegalStateException("the restarted inventory service applied no event within " + RESUME_TIMEOUT
                + "; see " + process.logFile());
    }
}
