package dev.outbox.sample.inventory;

import dev.outbox.sample.support.ServiceMain;

/**
 * Runs the inventory service as a process; every setting comes from environment variables (see the README):
 * {@code java -jar sample-inventory-service/target/sample-inventory-service.jar}. Invalid settings exit with status 2 and a
 * message naming the variable.
 */
public final class InventoryServiceMain {

    private InventoryServiceMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        ServiceMain.run("inventory service", "inventory-service-logback.xml", InventoryServiceConfig::fromEnv, InventoryService::start);
    }
}
