package dev.outbox.sample.support;

import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.SoftAssertions;

/**
 * A corpus of raw requests no service should answer with a 5xx: broken framing, control characters in the request
 * line, headers and JSON strings, wrong content types, huge numbers. {@code jsonWithString} is a valid body for
 * {@code postPath} with {@code %s} where a string field's value goes.
 */
public final class BadRequests {

    /**
     * {@code jdkStatus}: 0 when the service's handler answers (a 4xx in JSON); else the status the JDK server
     * answers with itself, in HTML, before any handler runs.
     */
    public record Raw(String name, String request, int jdkStatus) {

        Raw(String name, String request) {
            this(name, request, 0);
        }
    }

    private BadRequests() {
    }

    public static List<Raw> corpus(String postPath, String jsonWithString, String getPath) {
        return corpus("POST", postPath, "", jsonWithString, getPath);
    }

    /** {@code headers}: extra header lines, each ending in CRLF (an Authorization for an admin call). */
    public static List<Raw> corpus(String method, String postPath, String headers, String jsonWithString,
            String getPath) {
        String ok = jsonWithString.formatted("x");
        List<Raw> raws = new ArrayList<>();
        raws.add(post(method, headers, "invalid chunk length", postPath, "Transfer-Encoding: chunked\r\n",
                "zz\r\n{}\r\n0\r\n\r\n"));
        raws.add(post(method, headers, "body shorter than its Content-Length", postPath,
                "Content-Length: " + (ok.length() + 50) + "\r\n", ok));
        raws.add(post(method, headers, "chunked body cut short", postPath, "Transfer-Encoding: chunked\r\n",
                "40\r\n{\"a\":"));
        raws.add(post(method, headers, "NUL escaped in a JSON string", postPath,
                length(jsonWithString.formatted("a\\u0000b")),
                jsonWithString.formatted("a\\u0000b")));
        raws.add(post(method, headers, "control character escaped in a JSON string", postPath,
                length(jsonWithString.formatted("a\\u0007b")), jsonWithString.formatted("a\\u0007b")));
        raws.add(post(method, headers, "raw NUL in a JSON string", postPath,
                length(jsonWithString.formatted("a\u0000b")),
                jsonWithString.formatted("a\u0000b")));
        raws.add(post(method, headers, "text/plain body", postPath, "Content-Type: text/plain\r\n" + length(ok), ok));
        raws.add(post(method, headers, "huge number", postPath, length("{\"n\":1" + "0".repeat(400) + "}"),
                "{\"n\":1" + "0".repeat(400) + "}"));
        raws.add(new Raw("%00 in the path", "GET " + getPath + "%00 HTTP/1.1\r\nHost: t\r\n\r\n"));
        raws.add(new Raw("%01 in the path", "GET " + getPath + "a%01b HTTP/1.1\r\nHost: t\r\n\r\n"));
        raws.add(new Raw("%00 in the query", "GET " + getPath + "x?order_id=%00 HTTP/1.1\r\nHost: t\r\n\r\n"));
        raws.add(new Raw("malformed percent-encoding in the query",
                "GET " + getPath + "x?order_id=%zz HTTP/1.1\r\nHost: t\r\n\r\n", 400));
        raws.add(new Raw("raw NUL in the request line", "GET " + getPath + "a\u0000b HTTP/1.1\r\nHost: t\r\n\r\n",
                400));
        raws.add(new Raw("a request line that is not HTTP", "HELLO\r\n\r\n", 400));
        raws.add(new Raw("a header line without a colon", "GET " + getPath + "x HTTP/1.1\r\nHost t\r\n\r\n", 400));
        raws.add(new Raw("a Content-Length that is not a number",
                method + " " + postPath + " HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n{}", 400));
        raws.add(new Raw("a negative Content-Length",
                method + " " + postPath + " HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\n\r\n{}", 400));
        raws.add(new Raw("both Content-Length and chunked", method + " " + postPath
                + " HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400));
        // The one 5xx left: the JDK server refuses a transfer coding it does not implement with 501, before any
        // handler can answer. A proxy in front can turn it into a 400.
        raws.add(new Raw("an unsupported Transfer-Encoding",
                method + " " + postPath + " HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nabc", 501));
        raws.add(post(method, headers, "a control character in a header value", postPath,
                "X-Note: a\u0001b\r\n" + length("{"), "{"));
        return raws;
    }

    /**
     * Sends each request to {@code port} and checks the answer: a 4xx with a JSON body, or exactly the status the
     * JDK server answers with when it refuses the request before any handler runs.
     */
    public static void assertRefused(int port, List<Raw> corpus, SoftAssertions softly) {
        RawHttp raw = new RawHttp(port);
        for (Raw bad : corpus) {
            RawHttp.Answer answer = raw.send(bad.request());
            if (bad.jdkStatus() != 0) {
                softly.assertThat(answer.status()).as(bad.name() + " -> " + answer.body()).isEqualTo(bad.jdkStatus());
            } else {
                softly.assertThat(answer.status()).as(bad.name() + " -> " + answer.body()).isBetween(400, 499);
                softly.assertThat(answer.isJson()).as(bad.name() + " -> " + answer.body()).isTrue();
            }
        }
    }

    private static String length(String body) {
        return "Content-Length: " + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + "\r\n";
    }

    private static Raw post(String method, String common, String name, String path, String headers, String body) {
        String contentType = headers.contains("Content-Type") ? "" : "Content-Type: application/json\r\n";
        return new Raw(name, method + " " + path + " HTTP/1.1\r\nHost: t\r\n" + contentType + common + headers + "\r\n"
                + body);
    }
}
