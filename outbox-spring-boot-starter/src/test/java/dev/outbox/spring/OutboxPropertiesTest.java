package dev.outbox.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.OutboxConfig;
import dev.outbox.schema.OutboxSchema;
import org.junit.jupiter.api.Test;

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
}
