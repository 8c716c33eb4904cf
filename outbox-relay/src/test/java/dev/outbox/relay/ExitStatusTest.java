package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.relay.sink.KafkaSink;
import dev.outbox.relay.source.SourceCheckException;
import java.lang.reflect.Constructor;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ExitStatusTest {

    @Test
    void aCleanStopExitsZero() {
        assertThat(ExitStatus.of(null).code()).isZero();
    }

    @Test
    void aSettingExitsTwo() {
        assertThat(ExitStatus.of(new RelayConfigException("OUTBOX_KAFKA_ACKS", "is refused")).code()).isEqualTo(2);
    }

    @Test
    void beingFencedByANewerRelayExitsThreeEvenWhenWrapped() throws Exception {
        KafkaSink.FencedException fenced = fenced();

        assertThat(ExitStatus.of(fenced).code()).isEqualTo(3);
        assertThat(ExitStatus.of(new CompletionException(fenced)).code()).isEqualTo(3);
    }

    @Test
    void everyOtherThrowableExitsOne() {
        assertThat(ExitStatus.of(new SourceCheckException("wal_level is 'replica'")).code()).isEqualTo(1);
        assertThat(ExitStatus.of(new IllegalStateException("broker refused")).code()).isEqualTo(1);
        assertThat(ExitStatus.of(new OutOfMemoryError("Java heap space")).code()).isEqualTo(1);
        assertThat(ExitStatus.of(new StackOverflowError()).code()).isEqualTo(1);
    }

    private static KafkaSink.FencedException fenced() throws Exception {
        Constructor<KafkaSink.FencedException> constructor = KafkaSink.FencedException.class
                .getDeclaredConstructor(String.class, Throwable.class);
        constructor.setAccessible(true);
        return constructor.newInstance("another relay named like this one started and fenced this one", null);
    }
}
