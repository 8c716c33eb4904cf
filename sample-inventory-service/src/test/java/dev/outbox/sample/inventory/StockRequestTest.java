package dev.outbox.sample.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outbox.sample.support.ApiException;
import org.junit.jupiter.api.Test;

class StockRequestTest {

    @Test
    void aPriceAndAQuantityPass() {
        assertThat(new StockRequest(0L, 0).validate()).isNotNull();
        assertThat(new StockRequest(1999L, 42).validate()).isNotNull();
    }

    @Test
    void eachProblemIsNamedByItsField() {
        assertField(new StockRequest(null, 1), "unitPriceCents");
        assertField(new StockRequest(-1L, 1), "unitPriceCents");
        assertField(new StockRequest(1L, null), "available");
        assertField(new StockRequest(1L, -1), "available");
        assertField(new StockRequest(1L, StockRequest.MAX_AVAILABLE + 1), "available");
    }

    private static void assertField(StockRequest request, String field) {
        assertThatThrownBy(request::validate).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.field()).isEqualTo(field);
        });
    }
}
