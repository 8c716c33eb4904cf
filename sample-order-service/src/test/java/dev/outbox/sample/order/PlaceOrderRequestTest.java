package dev.outbox.sample.order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outbox.sample.order.PlaceOrderRequest.Line;
import dev.outbox.sample.support.ApiException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlaceOrderRequestTest {

    @Test
    void aWellFormedOrderPasses() {
        PlaceOrderRequest request = new PlaceOrderRequest("alice", List.of(new Line("SKU-1", 2), new Line("B.2", 1)));
        assertThat(request.validate()).isSameAs(request);
    }

    @Test
    void eachProblemIsNamedByItsField() {
        assertField(new PlaceOrderRequest(null, List.of(new Line("A", 1))), "customerId");
        assertField(new PlaceOrderRequest("  ", List.of(new Line("A", 1))), "customerId");
        assertField(new PlaceOrderRequest("a b", List.of(new Line("A", 1))), "customerId");
        assertField(new PlaceOrderRequest("alice", null), "lines");
        assertField(new PlaceOrderRequest("alice", List.of()), "lines");
        assertField(new PlaceOrderRequest("alice", Arrays.asList(new Line("A", 1), null)), "lines[1]");
        assertField(new PlaceOrderRequest("alice", List.of(new Line(null, 1))), "lines[0].sku");
        assertField(new PlaceOrderRequest("alice", List.of(new Line("", 1))), "lines[0].sku");
        assertField(new PlaceOrderRequest("alice", List.of(new Line("x/y", 1))), "lines[0].sku");
        assertField(new PlaceOrderRequest("alice", List.of(new Line("A", null))), "lines[0].quantity");
        assertField(new PlaceOrderRequest("alice", List.of(new Line("A", 0))), "lines[0].quantity");
        assertField(new PlaceOrderRequest("alice", List.of(new Line("A", -1))), "lines[0].quantity");
        assertField(new PlaceOrderRequest("alice", List.of(new Line("A", PlaceOrderRequest.MAX_QUANTITY + 1))),
                "lines[0].quantity");
        assertField(new PlaceOrderRequest("alice", List.of(new Line("A", 1), new Line("A", 2))), "lines[1].sku");
    }

    @Test
    void tooManyLinesAreRefused() {
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i <= PlaceOrderRequest.MAX_LINES; i++) {
            lines.add(new Line("SKU-" + i, 1));
        }
        assertField(new PlaceOrderRequest("alice", lines), "lines");
    }

    private static void assertField(PlaceOrderRequest request, String field) {
        assertThatThrownBy(request::validate)
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).isNotBlank();
                });
    }
}
