package dev.outbox.sample.order;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.sample.order.OrderInvariants.Reservation;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OrderInvariantsTest {

    static final UUID A = UUID.randomUUID();
    static final UUID B = UUID.randomUUID();

    @Test
    void aConfirmedOrderWithExactlyItsLinesCommittedAndARejectedOneHoldingNothingIsConsistent() {
        List<String> violations = OrderInvariants.compare(Map.of(A, "CONFIRMED", B, "REJECTED"),
                List.of(line(A, "X", 2), line(A, "Y", 1), line(B, "X", 5)),
                List.of(res(A, "X", 2, "COMMITTED"), res(A, "Y", 1, "COMMITTED"), res(B, "X", 5, "RELEASED")));
        assertThat(violations).isEmpty();
    }

    @Test
    void aConfirmedOrderWithAMissingOrStillReservedLineIsAViolation() {
        assertThat(OrderInvariants.compare(Map.of(A, "CONFIRMED"), List.of(line(A, "X", 2), line(A, "Y", 1)),
                List.of(res(A, "X", 2, "COMMITTED")))).singleElement().asString().contains("CONFIRMED order " + A);
        assertThat(OrderInvariants.compare(Map.of(A, "CONFIRMED"), List.of(line(A, "X", 2)),
                List.of(res(A, "X", 2, "RESERVED")))).hasSize(2);
    }

    @Test
    void aCancelledOrRejectedOrderHoldingStockIsAViolation() {
        assertThat(OrderInvariants.compare(Map.of(A, "CANCELLED"), List.of(line(A, "X", 1)),
                List.of(res(A, "X", 1, "RESERVED")))).singleElement().asString().contains("holds stock");
        assertThat(OrderInvariants.compare(Map.of(A, "REJECTED"), List.of(line(A, "X", 1)),
                List.of(res(A, "X", 1, "COMMITTED")))).singleElement().asString().contains("holds stock");
    }

    @Test
    void stockHeldForAnOrderTheOrderServiceNeverSawIsAViolation() {
        assertThat(OrderInvariants.compare(Map.of(), List.of(), List.of(res(B, "X", 1, "RESERVED"))))
                .singleElement().asString().contains("unknown to the order service");
    }

    private static Reservation line(UUID order, String sku, int quantity) {
        return new Reservation(order, sku, quantity, null);
    }

    private static Reservation res(UUID order, String sku, int quantity, String status) {
        return new Reservation(order, sku, quantity, status);
    }
}
