package dev.outbox.sandbox;

import java.io.PrintStream;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** The demo: start the system, run the workload with a progress bar, print the summary, keep the APIs up. */
final class SandboxDemo {

    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(120);
    // Counting terminal orders reads the orders table (no index serves the window): the measured system's
    // PostgreSQL pays for every count, so the progress bar and the settle loop count no more often than a person
    // or the summary needs.
    private static final long PROGRESS_MILLIS = 1000;
    private static final long SETTLE_POLL_MILLIS = 250;

    private SandboxDemo() {
    }

    /**
     * Something done to the system once {@code afterOrders} orders have been placed. A disruption meant to force
     * timeouts sets {@code forcedTimeouts} to the orders whose deadline it let pass (by the database's clock), so the
     * summary can tell its timeouts from the others.
     */
    record Disruption(int afterOrders, String description, Runnable action,
            AtomicReference<SagaReport.Window> forcedTimeouts) {

        Disruption(int afterOrders, String description, Runnable action) {
            this(afterOrders, description, action, new AtomicReference<>());
        }
    }

    /**
     * The demo's own disruption: a quarter of the way through, the inventory's replies stall past the deadline. The
     * orders it times out are those whose deadline fell inside the freeze: placed from one deadline before it to its
     * end. It starts early enough that the run also shows the catch-up while orders keep coming, rather than ending
     * the run on the freeze's tail.
     */
    static Disruption inventoryRelayStall(SandboxArguments arguments, SandboxSystem system) {
        AtomicReference<SagaReport.Window> forced = new AtomicReference<>();
        return new Disruption(Math.max(1, arguments.orders() / 4),
                "the inventory relay is frozen once for " + freezeFor(arguments).toMillis() + " ms to force timeouts",
                () -> {
                    OffsetDateTime start = SagaReport.now(system.orders());
                    system.inventoryRelay().freeze(freezeFor(arguments));
                    forced.set(new SagaReport.Window(start.minus(arguments.deadline()),
                            SagaReport.now(system.orders())));
                }, forced);
    }

    static SagaReport run(SandboxArguments arguments, SandboxSystem system, PrintStream out)
            throws InterruptedException {
        List<Disruption> disruptions = new ArrayList<>();
        if (arguments.disruption()) {
            disruptions.add(inventoryRelayStall(arguments, system));
        }
        Optional<InventoryRestart> restart = Optional.empty();
        if (arguments.killInventoryAfter() > 0) {
            out.println("Moving the inventory service into a process of its own, to be killed ...");
            restart = Optional.of(InventoryRestart.handOver(system));
            disruptions.add(restart.get().disruption(arguments.killInventoryAfter()));
        }
        return run(arguments, system, out, disruptions, restart);
    }

    static SagaReport run(SandboxArguments arguments, SandboxSystem system, PrintStream out,
            List<Disruption> disruptions) throws InterruptedException {
        return run(arguments, system, out, disruptions, Optional.empty());
    }

    /** @param restart the inventory restart among the disruptions, whose figures the summary reports */
    static SagaReport run(SandboxArguments arguments, SandboxSystem system, PrintStream out,
            List<Disruption> disruptions, Optional<InventoryRestart> restart) throws InterruptedException {
        Workload workload = new Workload(system.orderUrl(), system.inventoryUrl(), SandboxSystem.ADMIN_TOKEN,
                arguments.seed());
        workload.seed();
        Duplicator duplicator = arguments.duplicateRatio() > 0
                ? new Duplicator(system.bootstrapServers(), List.of(SandboxSystem.ORDER_TOPIC,
                        SandboxSystem.RESERVATION_TOPIC), arguments.duplicateRatio(), arguments.seed())
                : null;
        SummaryJson.Warmup warmup = null;
        SagaReport.Window window = SagaReport.Window.ALL;
        long commitsBefore;
        try {
            if (arguments.warmupOrders() > 0) {
                warmup = warmUp(arguments, system, out);
                window = SagaReport.Window.from(SagaReport.now(system.orders()));
            }
            out.printf("Placing %d orders at %d/s (mix: ~76%% normal, 8%% out of stock, 10%% credit refused, "
                    + "6%% cancelled by the customer)%n", arguments.orders(), arguments.rate());
            disruptions.forEach(d -> out.printf("After %d orders, %s.%n", d.afterOrders(), d.description()));
            commitsBefore = SagaReport.databaseCommits(system.orders(), system.inventory());
            place(workload, arguments, system, out, disruptions, window);
        } finally {
            if (duplicator != null) {
                duplicator.close();
            }
        }
        awaitInvariants(system);
        long commits = SagaReport.databaseCommits(system.orders(), system.inventory()) - commitsBefore;
        List<SagaReport.Window> forced = disruptions.stream().map(d -> d.forcedTimeouts().get())
                .filter(Objects::nonNull).toList();
        SagaReport report = SagaReport.read(system.orders(), system.inventory(), system.bootstrapServers(), window,
                commits, forced);
        out.println();
        out.print(report.render());
        if (duplicator != null) {
            out.printf("  duplicates re-published: %d%n", duplicator.duplicated());
        }
        Optional<InventoryRestart.Figures> restarted = restart.flatMap(InventoryRestart::figures);
        restarted.ifPresent(figures -> out.print(figures.render()));
        if (workload.failedRequests() > 0) {
            out.printf("  %d order requests failed, e.g. %s%n", workload.failedRequests(), workload.errors());
        }
        if (arguments.summaryJson().isPresent()) {
            SummaryJson.write(arguments.summaryJson().get(), arguments, report, workload.placedTotal(),
                    workload.failedRequests(), SummaryJson.postgresSettings(system.orders()), warmup, restarted);
            out.printf("  summary written to %s%n", arguments.summaryJson().get());
        }
        return report;
    }

    /** Places the workload's orders with a progress bar and the disruptions; returns once all are terminal. */
    private static void place(Workload workload, SandboxArguments arguments, SandboxSystem system, PrintStream out,
            List<Disruption> disruptions, SagaReport.Window window) throws InterruptedException {
        ProgressBar bar = new ProgressBar(out, "sagas", arguments.orders());
        AtomicInteger placed = new AtomicInteger();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                .daemon().name("sandbox-progress").factory());
        ticker.scheduleAtFixedRate(() -> bar.show(SagaReport.terminalCount(system.orders(), window),
                "terminal, " + placed.get() + " placed"), 0, PROGRESS_MILLIS, TimeUnit.MILLISECONDS);
        List<Thread> started = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            workload.run(arguments.orders(), arguments.rate(), arguments.concurrency(), () -> {
                int count = placed.incrementAndGet();
                for (Disruption disruption : disruptions) {
                    if (disruption.afterOrders() == count) {
                        started.add(Thread.ofVirtual().name("disruption-" + count).start(disruption.action()));
                    }
                }
            });
            for (Thread thread : started) {
                thread.join();
            }
            awaitAllTerminal(system, window, workload.placedTotal());
        } finally {
            ticker.shutdownNow();
        }
        bar.finish(SagaReport.terminalCount(system.orders(), window), "terminal");
    }

    /**
     * The warm-up: orders of the same mix at the same rate, without disruption, until all are terminal, so that the
     * measured run starts with compiled code, filled pools and connected clients. Its own figures are reported
     * apart and never mixed into the measured ones.
     */
    private static SummaryJson.Warmup warmUp(SandboxArguments arguments, SandboxSystem system, PrintStream out)
            throws InterruptedException {
        out.printf("Warming up: %d orders at %d/s, not measured ...%n", arguments.warmupOrders(), arguments.rate());
        Workload warmup = new Workload(system.orderUrl(), system.inventoryUrl(), SandboxSystem.ADMIN_TOKEN,
                arguments.seed() + 1);
        long commitsBefore = SagaReport.databaseCommits(system.orders(), system.inventory());
        warmup.run(arguments.warmupOrders(), arguments.rate(), arguments.concurrency(), () -> { });
        awaitAllTerminal(system, SagaReport.Window.ALL, warmup.placedTotal());
        awaitInvariants(system);
        long commits = SagaReport.databaseCommits(system.orders(), system.inventory()) - commitsBefore;
        SagaReport report = SagaReport.read(system.orders(), system.inventory(), system.bootstrapServers(),
                SagaReport.Window.ALL, commits, List.of());
        out.printf("Warm-up done: %.1f sagas/s, p50 %.1f ms, p99 %.1f ms, %d timed out.%n",
                report.sagasPerSecond(), report.p50Millis(), report.p99Millis(), report.timedOutOrders());
        return new SummaryJson.Warmup(warmup.placedTotal(), report);
    }

    static Duration freezeFor(SandboxArguments arguments) {
        return arguments.deadline().plusMillis(300);
    }

    private static void awaitAllTerminal(SandboxSystem system, SagaReport.Window window, long expected)
            throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        while (SagaReport.terminalCount(system.orders(), window) < expected && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(SETTLE_POLL_MILLIS);
        }
    }

    /**
     * Compensations finish after the order turns terminal (stock released later): wait until all is quiet. The full
     * check reads both databases whole, so it runs only once no step is waiting: polled while the compensations of
     * an overloaded run finish, it would compete with them for the CPUs and count its own cost into CPU per saga.
     */
    private static void awaitInvariants(SandboxSystem system) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (SagaReport.stepsInFlight(system.orders(), system.inventory()) == 0
                    && SagaReport.violations(system.orders(), system.inventory()).isEmpty()) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
    }

    static void printHowToExplore(SandboxSystem system, PrintStream out) {
        out.printf("""

                The system stays up until Ctrl-C:
                  console        %s/console   (admin token: %s)
                  order API      %s   (POST /orders, GET /orders/{id}, GET /saga/status?order_id=...)
                  inventory API  %s   (GET /stock/{sku}, GET /reservations?order_id=...)
                  relays         http://127.0.0.1:%d/metrics (orders), http://127.0.0.1:%d/metrics (inventory)
                  Kafka          %s
                  logs           %s

                Try:
                  curl -s -X POST %s/orders -H 'Content-Type: application/json' \\
                       -d '{"customerId":"c-1","lines":[{"sku":"SKU-3","quantity":2}]}'
                  curl -s '%s/saga/status?order_id=<orderId from above>'
                  kafka-console-consumer.sh --bootstrap-server %s --topic outbox.event.order --from-beginning \\
                       --property print.key=true --property print.headers=true
                """, system.orderUrl(), SandboxSystem.ADMIN_TOKEN, system.orderUrl(), system.inventoryUrl(), system.orderRelay().httpPort(),
                system.inventoryRelay().httpPort(), system.bootstrapServers(), system.workDirectory(),
                system.orderUrl(), system.orderUrl(), system.bootstrapServers());
    }

    static void awaitCtrlC() throws InterruptedException {
        CountDownLatch forever = new CountDownLatch(1);
        forever.await();
    }
}
