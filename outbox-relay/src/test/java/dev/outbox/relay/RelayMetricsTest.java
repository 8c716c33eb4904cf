package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RelayMetricsTest {

    @Test
    void exactlyOnceTransactionsAreCountedByOutcomeWithTheirCommitLatency() {
        RelayMetrics metrics = new RelayMetrics("orders_relay");

        metrics.transactionCommitted(Duration.ofMillis(4));
        metrics.transactionCommitted(Duration.ofMillis(6));
        metrics.transactionAborted();

        String scrape = metrics.scrape();
        assertThat(scrape)
                .contains("outbox_relay_transactions_total{outcome=\"committed\",relay=\"orders_relay\"} 2.0")
                .contains("outbox_relay_transactions_total{outcome=\"aborted\",relay=\"orders_relay\"} 1.0")
                .contains("outbox_relay_transaction_commit_seconds_count{relay=\"orders_relay\"} 2")
                .contains("outbox_relay_transaction_commit_seconds_sum{relay=\"orders_relay\"} 0.01");
    }

    @Test
    void batchesAreRecordedAsAHistogram() {
        RelayMetrics metrics = new RelayMetrics("r");

        metrics.batch(3);
        metrics.batch(5);

        assertThat(metrics.scrape()).contains("outbox_relay_batch_size_count{relay=\"r\"} 2")
                .contains("outbox_relay_batch_size_sum{relay=\"r\"} 8.0");
    }

    @Test
    void lastEventIsAUnixTimestampThatStartsAtTheRelaysStart() {
        double before = System.currentTimeMillis() / 1000.0;
        RelayMetrics metrics = new RelayMetrics("r");
        double after = System.currentTimeMillis() / 1000.0;

        String line = metrics.scrape().lines()
                .filter(l -> l.startsWith("outbox_relay_last_event_timestamp_seconds{relay=\"r\"} ")).findFirst()
                .orElseThrow();
        double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        assertThat(value).isBetween(before - 0.001, after + 0.001);
        assertThat(metrics.scrape()).doesNotContain("seconds_since_last_event");
    }

    @Test
    void jvmMetricsAreExposed() {
        String scrape = new RelayMetrics("r").scrape();

        assertThat(scrape).contains("jvm_memory_used_bytes{").contains("jvm_threads_live_threads{")
                .contains("jvm_classes_loaded_classes{").contains("system_cpu_count{").contains("process_cpu_usage{")
                .contains("jvm_gc_memory_allocated_bytes_total{");
    }
}
