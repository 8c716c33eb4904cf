package dev.outbox.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The migrated publication, read through a pgoutput logical slot exactly as a relay would: inserts into the
 * outbox are published, updates and rolled-back inserts are not.
 */
@OutboxInfraTest
class PublicationIT {

    private static final String INSERT = """
            INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
            VALUES (gen_random_uuid(), 'order', 'o-1', 'OrderPlaced', '{"total": 1}')""";

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
    }

    @Test
    void pgoutputSlotReceivesInsertsOnly(TestDatabase database) throws Exception {
        database.execute("SELECT pg_create_logical_replication_slot('publication_it', 'pgoutput')");

        database.execute(INSERT);
        database.execute("UPDATE outbox SET type = 'Changed'");
        try (Connection connection = database.dataSource().getConnection()) {
            connection.setAutoCommit(false);
            DSL.using(connection).execute(INSERT);
            connection.rollback();
        }
        database.execute(INSERT);

        List<Character> messages = decodedMessageTypes(database.dsl(), "publication_it");
        assertThat(messages).as("pgoutput messages %s", messages).filteredOn(type -> type == 'I').hasSize(2);
        assertThat(messages).doesNotContain('U', 'D');
    }

    /** The first byte of each pgoutput message: B(egin), C(ommit), R(elation), I(nsert), U(pdate), D(elete). */
    private static List<Character> decodedMessageTypes(DSLContext dsl, String slot) {
        List<Character> types = new ArrayList<>();
        for (Object data : dsl.fetchValues("""
                SELECT data FROM pg_logical_slot_get_binary_changes(?, NULL, NULL,
                       'proto_version', '1', 'publication_names', 'outbox_pub')""", slot)) {
            types.add((char) ((byte[]) data)[0]);
        }
        return types;
    }
}
