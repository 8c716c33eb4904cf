package dev.outbox.sample.support;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The two JSON mappers of the service. */
public final class Json {

    /**
     * Strict, for HTTP requests: an unknown field or a fractional quantity is a client mistake worth naming in a
     * 400 rather than silently ignoring or truncating.
     */
    public static final ObjectMapper REQUESTS = base()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .addModule(new SimpleModule("plain-strings").addDeserializer(String.class, new PlainStringDeserializer()))
            .build();

    /** Lenient, for events: a producer may add fields before its consumers know them. */
    public static final ObjectMapper EVENTS = base()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Json() {
    }

    private static JsonMapper.Builder base() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }
}
