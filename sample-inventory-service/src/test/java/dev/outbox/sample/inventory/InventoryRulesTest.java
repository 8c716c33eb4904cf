package dev.outbox.sample.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.sample.inventory.OrderMessage.OrderPlaced;
import dev.outbox.sample.inventory.OrderMessage.OrderPlaced.Line;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The inventory's own guard on OrderPlaced: it answers StockReservationFailed instead of reserving garbage. */
class InventoryRulesTest {

    @Test
    void aWellFormedOrderIsReservable() {
        assertThat(Inventory.invalid(placed(List.of(new Line("A", 1), new Line("B", 3))))).isNull();
    }

    @Test
    void anOrderWithoutLinesOrWithABadLineIsRefusedWithAReason() {
        assertThat(Inventory.invalid(placed(null))).contains("no lines");
        assertThat(Inventory.invalid(placed(List.of()))).contains("no lines");
        assertThat(Inventory.invalid(placed(Arrays.asList(new Line("A", 1), null)))).contains("no sku");
        assertThat(Inventory.invalid(placed(List.of(new Line(" ", 1))))).contains("no sku");
        assertThat(Inventory.invalid(placed(List.of(new Line("A", 0))))).contains("sku A must be positive");
        assertThat(Inventory.invalid(placed(List.of(new Line("A", -2))))).contains("must be positive");
        assertThat(Inventory.invalid(placed(List.of(new Line("A", null))))).contains("must be positive");
        assertThat(Inventory.invalid(placed(List.of(new Line("A", Inventory.MAX_QUANTITY + 1)))))
                .contains("at most");
        assertThat(Inventory.invalid(placed(java.util.Collections.nCopies(Inventory.MAX_LINES + 1, new Line("A", 1)))))
                .contains("more than");
    }

    private static OrderPlaced placed(List<Line> lines) {
        return new OrderPlaced(UUID.randomUUID(), "c1", lines);
    }
}
