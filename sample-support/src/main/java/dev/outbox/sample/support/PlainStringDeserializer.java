package dev.outbox.sample.support;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import java.io.IOException;

/**
 * Strings of a request: refuses control characters ({@code \u0000} and the like), which PostgreSQL rejects in text
 * (NUL) or which no name, sku or id of these services holds.
 */
final class PlainStringDeserializer extends StringDeserializer {

    @Override
    public String deserialize(JsonParser parser, DeserializationContext ctxt) throws IOException {
        String value = super.deserialize(parser, ctxt);
        if (value != null && TextChecks.hasControlCharacter(value)) {
            throw JsonMappingException.from(parser, "control characters (such as \\u0000) are not allowed");
        }
        return value;
    }
}
