package dev.outbox.sandbox;

import dev.outbox.testkit.TestDatabase;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar outbox-sandbox.jar}: the demo (see {@link SandboxArguments#USAGE}).
 *
 * <p>{@code java -jar outbox-sandbox.jar infra [--pg-port N] [--kafka-port N]}: starts the embedded PostgreSQL (a
 * database {@code outbox} with the library tables and publication) and Kafka, prints the {@code OUTBOX_*} lines a
 * relay needs and {@code READY}, and runs until stopped (Ctrl-C / SIGTERM).
 */
public final class SandboxMain {

    private SandboxMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        SandboxArguments arguments;
        try {
            arguments = SandboxArguments.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("outbox-sandbox: " + e.getMessage());
            System.err.println(SandboxArguments.USAGE);
            System.exit(2);
            return;
        }
        if (arguments.help()) {
            System.out.println(SandboxArguments.USAGE);
            return;
        }
        switch (arguments.command()) {
            case INFRA -> runInfra(arguments, System.out);
            case DEMO -> System.exit(runDemoOrFail(arguments));
        }
    }

    /**
     * The demo, ending the process when it fails: the services' and the broker's threads would otherwise keep the
     * JVM (and its relays and PostgreSQL, through the shutdown hook) up after the main thread died.
     */
    private static int runDemoOrFail(SandboxArguments arguments) {
        try {
            return runDemo(arguments, System.out);
        } catch (Exception | Error e) {
            System.err.println("outbox-sandbox: the demo failed: " + e);
            e.printStackTrace();
            return 3;
        }
    }

    /** Returns the exit code: 0 when every invariant held, 1 otherwise. */
    static int runDemo(SandboxArguments arguments, PrintStream out) throws InterruptedException {
        out.println("Starting PostgreSQL, Kafka, two relays and two services ...");
        long started = System.nanoTime();
        SandboxSystem system = SandboxSystem.start(arguments);
        Runtime.getRuntime().addShutdownHook(new Thread(system::close, "sandbox-shutdown"));
        out.printf("Up in %.1f s.%n", (System.nanoTime() - started) / 1e9);
        SagaReport report = SandboxDemo.run(arguments, system, out);
        if (arguments.exitAfterSummary()) {
            return report.violations().isEmpty() ? 0 : 1;
        }
        SandboxDemo.printHowToExplore(system, out);
        SandboxDemo.awaitCtrlC();
        return 0;
    }

    static void runInfra(SandboxArguments arguments, PrintStream out) throws InterruptedException {
        SandboxInfra infra = SandboxInfra.start(arguments.postgresPort(), arguments.kafkaPort());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            infra.close();
            stopped.countDown();
        }, "sandbox-shutdown"));
        TestDatabase database = infra.libraryDatabase("outbox");
        infra.environment(database).forEach((name, value) -> out.println(name + "=" + value));
        out.println("READY");
        out.flush();
        stopped.await();
    }
}
