package dev.outbox.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    @Test
    void sagaRunsAreMeasuredColdAndWarmUnlessOneStartIsNamed() {
        assertThat(BenchOptions.parse("--scenario", "saga").sagaStarts()).containsExactly("cold", "warm");
        assertThat(BenchOptions.parse("--scenario", "saga", "--saga-starts", "warm").sagaStarts())
                .containsExactly("warm");
    }

    @Test
    void anUnknownSagaStartIsRefusedByName() {
        assertThatThrownBy(() -> BenchOptions.parse("--saga-starts", "cold,hot"))
                .hasMessageContaining("--saga-starts takes cold, warm or both, was 'cold,hot'");
    }

    @Test
    void sagaRatesAndOrdersAreRead() {
        BenchOptions options = BenchOptions.parse("--saga-rates", "20,300", "--saga-orders", "900");
        assertThat(options.sagaRates()).isEqualTo(List.of(20, 300));
        assertThat(options.sagaOrders(300)).isEqualTo(900);
    }
}
