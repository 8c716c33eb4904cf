package dev.outbox.sample.order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outbox.sample.inventory.InventoryOpsConfig;
import dev.outbox.sample.inventory.InventoryService;
import dev.outbox.sample.inventory.InventoryServiceConfig;
import dev.outbox.sample.support.TestHttp;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.Postgres;
import dev.outbox.testkit.TestDatabase;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Issue 19: the saga console in a real headless browser (Debian's chromium through the system chromedriver, nothing
 * downloaded), against both services on real PostgreSQL and Kafka: an order placed on the page reaches CONFIRMED on
 * the page; a stuck saga is retried from the page; a dead letter is replayed from the page.
 */
@OutboxInfraTest
class ConsoleBrowserIT {

    static final String ORDER_TOKEN = "order-admin-token-for-tests";
    static final String INVENTORY_TOKEN = "inventory-admin-token-for-tests";
    static final String PREFIX = "console.outbox.event.";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    static final String CHROMIUM = "/usr/bin/chromium";

    static TestDatabase inventoryDatabase;
    static InventoryService inventory;
    static OrderService orders;
    static OutboxPoller orderRelay;
    static OutboxPoller inventoryRelay;
    static TestHttp orderHttp;
    static DSLContext orderDb;
    static DSLContext inventoryDb;
    static Path profile;
    static WebDriver browser;

    @BeforeAll
    static void start(TestDatabase orderDatabase, Postgres postgres, Kafka kafka) throws IOException {
        assertThat(new File(CHROMEDRIVER)).as("install Debian's browser: apt-get install -y chromium chromium-driver")
                .exists();
        inventoryDatabase = postgres.createDatabase("inventory_console");
        inventory = InventoryService.start(InventoryServiceConfig
                        .of(inventoryDatabase.jdbcUrl(), inventoryDatabase.user(), inventoryDatabase.password(),
                                kafka.bootstrapServers(), INVENTORY_TOKEN)
                        .withHttpPort(0).withDbPoolSize(4).withConsumerGroup("console-inventory")
                        .withTopics(PREFIX + "order", PREFIX + "reservation"),
                InventoryOpsConfig.defaults().withConsumerMaxAttempts(2).withRelayDlqTopic("console.outbox.dlq"));
        orders = OrderService.start(OrderServiceConfig
                        .of(orderDatabase.jdbcUrl(), orderDatabase.user(), orderDatabase.password(),
                                kafka.bootstrapServers(), ORDER_TOKEN)
                        .withHttpPort(0).withDbPoolSize(4).withConsumerGroup("console-order")
                        .withTopics(PREFIX + "order", PREFIX + "reservation")
                        .withDeadlines(Duration.ofSeconds(30), Duration.ofMillis(200)),
                OrderOpsConfig.defaults()
                        .withInventory(URI.create("http://127.0.0.1:" + inventory.port()), INVENTORY_TOKEN)
                        .withDeadlines(Duration.ofMinutes(5), Duration.ofMillis(300))
                        .withMaxAttempts(2)
                        .withRelayDlqTopic("console.outbox.dlq"));
        orderRelay = new OutboxPoller(orderDatabase.dataSource(), kafka.bootstrapServers(), PREFIX, false, true);
        inventoryRelay = new OutboxPoller(inventoryDatabase.dataSource(), kafka.bootstrapServers(), PREFIX, false, true);
        orderHttp = new TestHttp(orders.port());
        orderDb = orderDatabase.dsl();
        inventoryDb = inventoryDatabase.dsl();
        MaintenanceSwitch.install(inventoryDb);
        TestHttp inventoryHttp = new TestHttp(inventory.port());
        assertThat(inventoryHttp.send("PUT", "/stock/WIDGET", "{\"unitPriceCents\":250,\"available\":100}",
                INVENTORY_TOKEN).status()).isEqualTo(200);
        assertThat(orderHttp.send("PUT", "/customers/alice", "{\"name\":\"Alice\",\"creditLimitCents\":100000}",
                ORDER_TOKEN).status()).isEqualTo(200);
        profile = Files.createTempDirectory("console-chromium-");
        browser = startBrowser(profile);
        browser.get("http://127.0.0.1:" + orders.port() + "/console");
        WebElement token = browser.findElement(By.id("token"));
        token.sendKeys(ORDER_TOKEN);
    }

    /** The system chromium and chromedriver, offline: Selenium Manager is never asked for a driver. */
    static WebDriver startBrowser(Path userDataDir) {
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1300", "--user-data-dir=" + userDataDir);
        return new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        for (AutoCloseable closeable : new AutoCloseable[] {orderRelay, inventoryRelay, orders, inventory,
                inventoryDatabase}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    @Test
    void orderPlacedOnThePageReachesConfirmedOnThePage() throws IOException {
        setField("customer", "alice");
        setField("sku", "WIDGET");
        setField("quantity", "2");
        browser.findElement(By.id("place")).click();

        waitFor(Duration.ofSeconds(30), () -> "CONFIRMED".equals(text("saga-order-status"))
                && text("saga-waiting").startsWith("nothing"));
        assertThat(browser.findElements(By.cssSelector("#events tbody tr"))).hasSize(4);
        assertThat(text("reservations")).contains("COMMITTED");
        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, Path.of("target", "saga-console.png"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void stuckSagaIsRetriedFromThePage() {
        orderRelay.pause(true);
        UUID orderId = placeByHttp();
        assertThat(orderHttp.send("POST", "/orders/" + orderId + "/cancel", null, null).status()).isEqualTo(202);
        // untilAsserted: a timeout names what the saga was waiting on instead.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(orderHttp.get("/saga/status?order_id=" + orderId).body().path("wholeChain")
                        .path("waitingOn").asText()).startsWith("an operator"));
        // Its events were lost on the way: only an operator can move it on.
        orderDb.execute("DELETE FROM outbox WHERE aggregateid = ?", orderId.toString());
        orderRelay.pause(false);

        browser.findElement(By.id("list-sagas")).click();
        By retry = By.cssSelector("#sagas tr[data-saga='" + orderId + "'] button.retry");
        waitFor(Duration.ofSeconds(20), () -> !browser.findElements(retry).isEmpty());
        assertThat(text("sagas")).contains("stuck: compensation not acknowledged");
        browser.findElement(retry).click();

        waitFor(Duration.ofSeconds(30), () -> text("message").contains("OrderCancelled re-sent")
                || orderId.toString().equals(value("saga-id")) && text("saga-waiting").startsWith("nothing"));
        waitFor(Duration.ofSeconds(30), () -> orderId.toString().equals(value("saga-id"))
                && text("saga-waiting").startsWith("nothing") && "CANCELLED".equals(text("saga-order-status")));
    }

    @Test
    void deadLetterIsReplayedFromThePage() {
        MaintenanceSwitch.on(inventoryDb, "WIDGET");
        UUID orderId;
        String confirmation;
        try {
            orderId = placeByHttp();
            confirmation = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> deadLetteredEventOf(orderId), id -> id != null);
        } finally {
            MaintenanceSwitch.off(inventoryDb);
        }

        browser.findElement(By.id("list-dead-letters")).click();
        By replay = By.cssSelector("#dead-letters tr[data-event-id='" + confirmation + "'] button.replay");
        waitFor(Duration.ofSeconds(20), () -> !browser.findElements(replay).isEmpty());
        assertThat(text("dead-letters")).contains("under maintenance");
        browser.findElement(replay).click();
        waitFor(Duration.ofSeconds(20), () -> text("message").contains("Replayed event " + confirmation));

        setField("saga-id", orderId.toString());
        browser.findElement(By.id("load-saga")).click();
        waitFor(Duration.ofSeconds(30), () -> text("saga-waiting").startsWith("nothing")
                && "CONFIRMED".equals(text("saga-order-status")));
        assertThat(text("reservations")).contains("COMMITTED");
    }

    // ---- helpers ----

    private static String deadLetteredEventOf(UUID orderId) {
        for (JsonNode letter : orderHttp.send("GET", "/admin/inventory/dead-letters", null, ORDER_TOKEN).body()
                .path("deadLetters")) {
            if (orderId.toString().equals(letter.path("key").asText())) {
                return letter.path("eventId").asText();
            }
        }
        return null;
    }

    private static UUID placeByHttp() {
        TestHttp.Reply reply = orderHttp.send("POST", "/orders",
                "{\"customerId\":\"alice\",\"lines\":[{\"sku\":\"WIDGET\",\"quantity\":1}]}", null);
        assertThat(reply.status()).as(reply.raw()).isEqualTo(202);
        return UUID.fromString(reply.body().path("orderId").asText());
    }

    private static void setField(String id, String value) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        field.sendKeys(value);
    }

    private static String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static String value(String id) {
        return browser.findElement(By.id(id)).getDomProperty("value");
    }

    private static void waitFor(Duration timeout, java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, timeout, Duration.ofMillis(200))
                .withMessage(() -> "page message: " + text("message") + "; waiting on: " + text("saga-waiting")
                        + "; order: " + text("saga-order-status"))
                .until(driver -> condition.getAsBoolean());
    }
}
