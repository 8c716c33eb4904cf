package dev.outbox.relay.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Messages built byte by byte as the PostgreSQL documentation lays them out (protocol version 1). */
class PgOutputDecoderTest {

    private static ByteBuffer bytes(IoConsumer writer) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        writer.accept(new DataOutputStream(buffer));
        return ByteBuffer.wrap(buffer.toByteArray());
    }

    private interface IoConsumer {
        void accept(DataOutputStream out) throws IOException;
    }

    private static void cString(DataOutputStream out, String value) throws IOException {
        out.write(value.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    @Test
    void beginAndCommitCarryTheTransactionPositions() throws IOException {
        var begin = PgOutputDecoder.decode(bytes(out -> {
            out.writeByte('B');
            out.writeLong(0x1_0000_0100L);
            out.writeLong(123_456_789L);
            out.writeInt(742);
        }));
        var commit = PgOutputDecoder.decode(bytes(out -> {
            out.writeByte('C');
            out.writeByte(0);
            out.writeLong(0x1_0000_0100L);
            out.writeLong(0x1_0000_0130L);
            out.writeLong(123_456_789L);
        }));

        assertThat(begin).isEqualTo(new PgOutputMessage.Begin(0x1_0000_0100L, 123_456_789L, 742));
        assertThat(commit).isEqualTo(new PgOutputMessage.Commit(0x1_0000_0100L, 0x1_0000_0130L, 123_456_789L));
    }

    @Test
    void relationListsColumnsAndInsertTheirTextValues() throws IOException {
        var relation = PgOutputDecoder.decode(bytes(out -> {
            out.writeByte('R');
            out.writeInt(16_384);
            cString(out, "public");
            cString(out, "outbox");
            out.writeByte('d');
            out.writeShort(2);
            for (String column : new String[] {"id", "payload"}) {
                out.writeByte(0);
                cString(out, column);
                out.writeInt(25);
                out.writeInt(-1);
            }
        }));
        var insert = PgOutputDecoder.decode(bytes(out -> {
            out.writeByte('I');
            out.writeInt(16_384);
            out.writeByte('N');
            out.writeShort(3);
            out.writeByte('t');
            byte[] value = "{\"ä\": 1}".getBytes(StandardCharsets.UTF_8);
            out.writeInt(value.length);
            out.write(value);
            out.writeByte('n');
            out.writeByte('u');
        }));

        assertThat(relation).isEqualTo(new PgOutputMessage.Relation(16_384, "public", "outbox",
                java.util.List.of("id", "payload")));
        assertThat(insert).isInstanceOfSatisfying(PgOutputMessage.Insert.class, row -> {
            assertThat(row.relationOid()).isEqualTo(16_384);
            assertThat(row.values()).containsExactly("{\"ä\": 1}", null, null);
        });
    }

    @Test
    void otherMessagesAreIgnored() throws IOException {
        assertThat(PgOutputDecoder.decode(bytes(out -> out.writeByte('U'))))
                .isEqualTo(new PgOutputMessage.Ignored('U'));
    }
}
