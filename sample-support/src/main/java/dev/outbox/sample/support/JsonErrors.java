package dev.outbox.sample.support;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.outbox.sample.support.HttpApi.Response;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;

/**
 * Turns a body Jackson could not read into a 400 that names the field in the client's terms (JSON types and field
 * paths such as {@code lines[0].quantity}), never in the service's: Jackson's own messages name Java classes.
 */
final class JsonErrors {

    private JsonErrors() {
    }

    static Response toResponse(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            return HttpApi.error(400, "unknown field '" + unknown.getPropertyName() + "'", fieldPath(unknown));
        }
        if (e instanceof MismatchedInputException mismatch) {
            String field = fieldPath(mismatch);
            String expected = "expected " + jsonType(mismatch.getTargetType());
            return HttpApi.error(400, field == null ? "the body must be a JSON object" : "wrong type: " + expected,
                    field);
        }
        if (e instanceof JsonMappingException mapping && fieldPath(mapping) != null) {
            // Our own deserializers' refusals (e.g. a control character) carry a message meant for the client.
            return HttpApi.error(400, mapping.getOriginalMessage(), fieldPath(mapping));
        }
        if (e instanceof InputCoercionException coercion) {
            return HttpApi.error(400, "number out of range", parserPath(coercion.getProcessor()));
        }
        return HttpApi.error(400, "malformed JSON: " + e.getOriginalMessage(), null);
    }

    private static String jsonType(Class<?> type) {
        if (type == null) {
            return "another value";
        }
        if (type == String.class || type.isEnum()) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return type == Double.class || type == Float.class ? "a number" : "a whole number";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return Map.class.isAssignableFrom(type) || type.isRecord() ? "an object" : "another value";
    }

    private static String fieldPath(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? null : path.toString();
    }

    /** The field the parser stood on, from its context (a number too large fails before any field is bound). */
    private static String parserPath(Object processor) {
        if (!(processor instanceof JsonParser parser)) {
            return null;
        }
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext ctx = parser.getParsingContext(); ctx != null && !ctx.inRoot(); ctx = ctx.getParent()) {
            if (ctx.inObject() && ctx.getCurrentName() != null) {
                parts.push("." + ctx.getCurrentName());
            } else if (ctx.inArray()) {
                parts.push("[" + Math.max(ctx.getCurrentIndex(), 0) + "]");
            }
        }
        String path = String.join("", parts);
        return path.isEmpty() ? null : path.startsWith(".") ? path.substring(1) : path;
    }
}
