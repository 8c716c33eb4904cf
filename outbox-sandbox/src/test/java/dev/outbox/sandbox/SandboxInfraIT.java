package dev.outbox.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Runs {@code java -jar outbox-sandbox.jar infra} as its own process, the way a user or a benchmark would. */
class SandboxInfraIT {

    @Test
    void infraPrintsWorkingConnectionLinesThenReadyAndStopsOnSigterm() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path jar = Path.of("target", "outbox-sandbox.jar");
        assertThat(jar).as("the shaded jar built by 'package'").exists();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g"));
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-jar", jar.toString(), "infra"));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .start();
        try {
            Map<String, String> lines = new HashMap<>();
            StringBuilder output = new StringBuilder();
            long started = System.nanoTime();
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null && !line.equals("READY")) {
                    output.append(line).append('\n');
                    int equals = line.indexOf('=');
                    if (line.startsWith("OUTBOX_") && equals > 0) {
                        lines.put(line.substring(0, equals), line.substring(equals + 1));
                    }
                }
                assertThat(line).as("the READY line; the process printed:%n%s", output).isEqualTo("READY");
                long readyMillis = (System.nanoTime() - started) / 1_000_000;
                System.out.println("sandbox infra READY after " + readyMillis + " ms");

                assertThat(lines).containsKeys(
                        "OUTBOX_DB_URL", "OUTBOX_DB_USER", "OUTBOX_DB_PASSWORD", "OUTBOX_KAFKA_BOOTSTRAP_SERVERS");
                try (Connection connection = DriverManager.getConnection(
                        lines.get("OUTBOX_DB_URL"), lines.get("OUTBOX_DB_USER"), lines.get("OUTBOX_DB_PASSWORD"));
                        ResultSet rs = connection.createStatement().executeQuery(
                                "SELECT count(*) FROM pg_publication_tables WHERE tablename = 'outbox'")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(1);
                }
                try (var producer = new KafkaProducer<String, String>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, lines.get("OUTBOX_KAFKA_BOOTSTRAP_SERVERS"),
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000), new StringSerializer(), new StringSerializer())) {
                    assertThat(producer.send(new ProducerRecord<>("sandbox-check", "k", "v")).get().offset())
                            .isZero();
                }

                process.destroy();
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
            }
        } finally {
            process.destroyForcibly();
        }
    }
}
