package dev.outbox.sample.support;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * Runs a sample service as a process until the JVM is asked to stop: settings from the environment (exit status 2
 * and a message naming the variable when one is invalid), the service's own logback file unless one is given.
 */
public final class ServiceMain {

    private ServiceMain() {
    }

    /**
     * @param name         the service as people call it, e.g. {@code order service}
     * @param logbackFile  the classpath logback configuration used unless {@code -Dlogback.configurationFile} is set
     * @param readSettings reads the settings from the environment; throws {@link IllegalArgumentException}
     * @param start        starts the service
     */
    public static <C> void run(String name, String logbackFile, Function<Map<String, String>, C> readSettings,
            Function<C, ? extends AutoCloseable> start) throws InterruptedException {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", logbackFile);
        }
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        C config;
        try {
            config = readSettings.apply(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(name + ": invalid setting: " + e.getMessage());
            System.exit(2);
            return;
        }
        AutoCloseable service = start.apply(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                service.close();
            } catch (Exception e) {
                System.err.println(name + ": error while stopping: " + e);
            } finally {
                stopped.countDown();
            }
        }, name.replace(' ', '-') + "-shutdown"));
        stopped.await();
    }
}
