package dev.outbox.sample.order;

import dev.outbox.sample.support.ServiceMain;

/**
 * Runs the order service as a process; every setting comes from environment variables (see the README):
 * {@code java -jar sample-order-service/target/sample-order-service.jar}. Invalid settings exit with status 2 and a
 * message naming the variable.
 */
public final class OrderServiceMain {

    private OrderServiceMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        ServiceMain.run("order service", "order-service-logback.xml", OrderServiceConfig::fromEnv, OrderService::start);
    }
}
