package dev.outbox.relay.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The advisory lock key: the same for every relay of one name, whatever JVM or version computes it. */
class LeadershipTest {

    @Test
    void theLockKeyDependsOnlyOnTheRelayNameAndNeverChanges() {
        assertThat(Leadership.lockKey("order_relay")).isEqualTo(Leadership.lockKey("order_relay"))
                .isNotEqualTo(Leadership.lockKey("inventory_relay"));
        // Pinned: a changed derivation would let an upgraded relay stream beside an old one of the same name.
        assertThat(Leadership.lockKey("order_relay")).isEqualTo(6256475767120474009L);
    }
}
