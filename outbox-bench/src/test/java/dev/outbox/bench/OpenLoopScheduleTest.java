package dev.outbox.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OpenLoopScheduleTest {

    @Test
    void intendedTimesAreEvenlySpacedAtTheRateFromTheStart() {
        OpenLoopSchedule schedule = new OpenLoopSchedule(1_000_000, 1_000, 10);
        assertThat(schedule.intendedMicros(0)).isEqualTo(1_000_000);
        assertThat(schedule.intendedMicros(1)).isEqualTo(1_001_000);
        assertThat(schedule.intendedMicros(1_000)).isEqualTo(2_000_000);
    }

    @Test
    void intendedTimesDoNotDriftAtRatesThatDoNotDivideASecond() {
        OpenLoopSchedule schedule = new OpenLoopSchedule(0, 3, 10);
        // Computed from the index, not accumulated: event 3 is exactly one second in.
        assertThat(schedule.intendedMicros(3)).isEqualTo(1_000_000);
        assertThat(schedule.intendedMicros(1)).isEqualTo(333_333);
    }

    @Test
    void everyEventIsClaimedExactlyOnceAcrossWriterThreads() throws Exception {
        OpenLoopSchedule schedule = new OpenLoopSchedule(0, 5_000, 20_000);
        Set<Long> claimed = java.util.Collections.synchronizedSet(new HashSet<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            pool.submit(() -> {
                long index;
                while ((index = schedule.claim()) >= 0) {
                    claimed.add(index);
                }
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(claimed).hasSize(20_000);
        assertThat(schedule.claim()).isEqualTo(-1);
    }

    @Test
    void aNonPositiveRateIsRejected() {
        assertThatThrownBy(() -> new OpenLoopSchedule(0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
