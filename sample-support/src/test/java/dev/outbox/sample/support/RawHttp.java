package dev.outbox.sample.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Sends bytes an HTTP client library would refuse to send (broken framing, raw control characters) over a socket,
 * half-closes the connection, and reads the one answer.
 */
public final class RawHttp {

    /** The answer: status (0 when the server closed without one), Content-Type, body and, if JSON, its tree. */
    public record Answer(int status, String contentType, String body, JsonNode json) {

        public boolean isJson() {
            return json != null && contentType != null && contentType.startsWith("application/json");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final int port;

    public RawHttp(int port) {
        this.port = port;
    }

    /** Sends {@code request} (ISO-8859-1, CRLFs included by the caller) and reads the answer. */
    public Answer send(String request) {
        return send(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    public Answer send(byte[] request) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            socket.shutdownOutput();
            return parse(readAll(socket.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // What arrived before a reset or a silence is the answer.
        }
        return out.toByteArray();
    }

    private static Answer parse(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (!text.startsWith("HTTP/1.1 ")) {
            return new Answer(0, null, text, null);
        }
        int status = Integer.parseInt(text.substring(9, 12));
        int split = text.indexOf("\r\n\r\n");
        String head = split < 0 ? text : text.substring(0, split);
        String body = split < 0 ? "" : text.substring(split + 4);
        String contentType = null;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-type:")) {
                contentType = line.substring("content-type:".length()).trim();
            }
        }
        JsonNode json = null;
        try {
            json = body.isBlank() ? null : JSON.readTree(body);
        } catch (IOException e) {
            json = null;
        }
        return new Answer(status, contentType, body, json);
    }
}
