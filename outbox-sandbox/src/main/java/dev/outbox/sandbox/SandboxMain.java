package dev.outbox.sandbox;

import dev.outbox.testkit.TestDatabase;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar outbox-sandbox.jar infra [--pg-port N] [--kafka-port N]}: starts the embedded PostgreSQL (a
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
            case DEMO -> {
                System.err.println("outbox-sandbox: the demo needs the sample services, which are not built yet;"
                        + " run 'infra' for PostgreSQL and Kafka alone.");
                System.exit(3);
            }
        }
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
