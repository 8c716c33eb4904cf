package dev.outbox.sample.order;

import java.util.concurrent.CountDownLatch;

/**
 * Runs the order service as a process; every setting comes from environment variables (see the README):
 * {@code java -jar sample-order-service/target/sample-order-service.jar}. Invalid settings exit with status 2 and a
 * message naming the variable.
 */
public final class OrderServiceMain {

    private OrderServiceMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "order-service-logback.xml");
        }
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        OrderServiceConfig config;
        try {
            config = OrderServiceConfig.fromEnv(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("order service: invalid setting: " + e.getMessage());
            System.exit(2);
            return;
        }
        OrderService service = OrderService.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "order-service-shutdown"));
        stopped.await();
    }
}
