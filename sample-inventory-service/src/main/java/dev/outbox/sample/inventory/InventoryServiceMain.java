package dev.outbox.sample.inventory;

import java.util.concurrent.CountDownLatch;

/**
 * Runs the inventory service as a process; every setting comes from environment variables (see the README):
 * {@code java -jar sample-inventory-service/target/sample-inventory-service.jar}. Invalid settings exit with status 2
 * and a message naming the variable.
 */
public final class InventoryServiceMain {

    private InventoryServiceMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "inventory-service-logback.xml");
        }
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        InventoryServiceConfig config;
        try {
            config = InventoryServiceConfig.fromEnv(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("inventory service: invalid setting: " + e.getMessage());
            System.exit(2);
            return;
        }
        InventoryService service = InventoryService.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "inventory-service-shutdown"));
        stopped.await();
    }
}
