package dev.outbox.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outbox.OutboxConfig;
import dev.outbox.consumer.EventConsumer;
import dev.outbox.schema.OutboxSchema;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

class OutboxPropertiesTest {

    @Test
    void publishingDefaultsAreTheLibrarysDefaults() {
        OutboxProperties properties = new OutboxProperties();
        OutboxConfig defaults = OutboxConfig.defaults();

        assertThat(properties.getTable()).isEqualTo(defaults.table());
        assertThat(properties.getMaxPayloadBytes()).isEqualTo(defaults.maxPayloadBytes());
        assertThat(properties.isDeleteAfterInsert()).isEqualTo(defaults.deleteAfterInsert());
        assertThat(properties.getSchema().getPublication()).isEqualTo(OutboxSchema.DEFAULT_PUBLICATION);
    }

    @Test
    void aBadConsumerSettingIsRefusedNamingItsProperty() {
        OutboxProperties.Consumer badInstanceId = new OutboxProperties.Consumer();
        badInstanceId.setInstanceId("pod 1");
        OutboxProperties.Consumer badBatchSize = new OutboxProperties.Consumer();
        badBatchSize.setBatchSize(0);
        OutboxProperties.Consumer badSessionTimeout = new OutboxProperties.Consumer();
        badSessionTimeout.setSessionTimeout(Duration.ofMillis(10));

        assertThatThrownBy(() -> OutboxAutoConfiguration.consumerSettings(builder(), badInstanceId))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("outbox.consumer.instance-id: ");
        assertThatThrownBy(() -> OutboxAutoConfiguration.consumerSettings(builder(), badBatchSize))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("outbox.consumer.batch-size: ");
        assertThatThrownBy(() -> OutboxAutoConfiguration.consumerSettings(builder(), badSessionTimeout))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("outbox.consumer.session-timeout: ");
    }

    @Test
    void theDefaultConsumerSettingsAndABlankInstanceIdAreAccepted() {
        OutboxProperties.Consumer blankInstanceId = new OutboxProperties.Consumer();
        blankInstanceId.setInstanceId("  ");

        assertThatCode(() -> OutboxAutoConfiguration.consumerSettings(builder(), new OutboxProperties.Consumer()))
                .doesNotThrowAnyException();
        assertThatCode(() -> OutboxAutoConfiguration.consumerSettings(builder(), blankInstanceId))
                .doesNotThrowAnyException();
    }

    private static EventConsumer.Builder builder() {
        return EventConsumer.builder(new PGSimpleDataSource(), "localhost:9092", "group");
    }
}
