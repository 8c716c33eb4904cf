package dev.outbox.relay.source;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Decodes pgoutput protocol version 1 messages (PostgreSQL docs, "Logical Replication Message Formats"). Tuple
 * values arrive in text format. A pure function of the bytes.
 */
public final class PgOutputDecoder {

    private PgOutputDecoder() {
    }

    public static PgOutputMessage decode(ByteBuffer buffer) {
        char type = (char) buffer.get();
        return switch (type) {
            case 'B' -> new PgOutputMessage.Begin(buffer.getLong(), buffer.getLong(), buffer.getInt());
            case 'C' -> {
                buffer.get(); // flags, unused
                yield new PgOutputMessage.Commit(buffer.getLong(), buffer.getLong(), buffer.getLong());
            }
            case 'R' -> relation(buffer);
            case 'I' -> insert(buffer);
            default -> new PgOutputMessage.Ignored(type);
        };
    }

    private static PgOutputMessage.Relation relation(ByteBuffer buffer) {
        int oid = buffer.getInt();
        String namespace = cString(buffer);
        String name = cString(buffer);
        buffer.get(); // replica identity setting
        int count = buffer.getShort();
        List<String> columns = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            buffer.get(); // flags (part of the key)
            columns.add(cString(buffer));
            buffer.getInt(); // type oid
            buffer.getInt(); // type modifier
        }
        return new PgOutputMessage.Relation(oid, namespace, name, Collections.unmodifiableList(columns));
    }

    private static PgOutputMessage.Insert insert(ByteBuffer buffer) {
        int relationOid = buffer.getInt();
        char marker = (char) buffer.get();
        if (marker != 'N') {
            throw new IllegalStateException("INSERT without a new tuple (marker '" + marker + "')");
        }
        int count = buffer.getShort();
        List<String> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            char kind = (char) buffer.get();
            switch (kind) {
                case 'n', 'u' -> values.add(null);
                case 't' -> {
                    int length = buffer.getInt();
                    values.add(new String(buffer.array(), buffer.arrayOffset() + buffer.position(), length,
                            StandardCharsets.UTF_8));
                    buffer.position(buffer.position() + length);
                }
                default -> throw new IllegalStateException("unexpected tuple value kind '" + kind
                        + "' (binary format is not requested)");
            }
        }
        return new PgOutputMessage.Insert(relationOid, Collections.unmodifiableList(values));
    }

    private static String cString(ByteBuffer buffer) {
        int start = buffer.position();
        int end = start;
        while (buffer.get(end) != 0) {
            end++;
        }
        String value = new String(buffer.array(), buffer.arrayOffset() + start, end - start, StandardCharsets.UTF_8);
        buffer.position(end + 1);
        return value;
    }
}
