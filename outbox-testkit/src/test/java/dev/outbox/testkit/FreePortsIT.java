package dev.outbox.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FreePortsIT {

    @Test
    void portsPickedOneAfterTheOtherAreNeverTheSame() {
        Set<Integer> ports = new HashSet<>();
        IntStream.range(0, 500).forEach(i -> assertThat(ports.add(FreePorts.pick())).as("pick %d", i).isTrue());
    }
}
