package dev.outbox.testkit;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * Runs an {@link EmbeddedKafkaBroker} as a process of its own: {@code KafkaBrokerMain DIR PORT CONTROLLER_PORT}.
 * Prints {@code READY <bootstrap>} once the broker answers, then runs until killed or terminated.
 */
public final class KafkaBrokerMain {

    static final String READY = "READY ";

    private KafkaBrokerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: KafkaBrokerMain LOG_DIR PORT CONTROLLER_PORT");
            System.exit(2);
        }
        EmbeddedKafkaBroker broker;
        try {
            broker = EmbeddedKafkaBroker.start(new EmbeddedKafkaBroker.Options(
                    Integer.parseInt(args[1]), Integer.parseInt(args[2]), Optional.of(Path.of(args[0])), Map.of()));
        } catch (RuntimeException e) {
            // The half-started server's threads would keep this JVM alive, and the parent waiting for READY for ever.
            e.printStackTrace();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "kafka-broker-shutdown"));
        System.out.println(READY + broker.bootstrapServers());
        System.out.flush();
        stopped.await();
    }
}
