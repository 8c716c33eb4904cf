package dev.outbox.sample.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.outbox.sample.support.HttpApi.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonErrorsTest {

    record Item(String name, Integer count, Long cents) {
    }

    record Basket(String owner, List<Item> items) {
    }

    @Test
    void aBodyOfTheWrongShapeIsRefusedWithoutNamingAJavaClass() {
        for (String body : List.of("[]", "\"text\"", "42", "{\"owner\":{}}", "{\"items\":[\"x\"]}")) {
            Response response = refusal(body);
            assertThat(response.status()).isEqualTo(400);
            assertThat(message(response)).as(body).doesNotContain("dev.outbox", "java.", "Basket", "Item", "`");
        }
    }

    @Test
    void aControlCharacterInAStringIsRefusedNamingTheField() {
        Response response = refusal("{\"owner\":\"a\",\"items\":[{\"name\":\"x\\u0000y\"}]}");
        assertThat(response.status()).isEqualTo(400);
        assertThat(field(response)).isEqualTo("items[0].name");
        assertThat(field(refusal("{\"owner\":\"tab\\there\"}"))).isEqualTo("owner");
    }

    @Test
    void aNumberTooLargeForItsFieldIsRefusedNamingTheField() {
        assertThat(field(refusal("{\"items\":[{\"count\":99999999999}]}"))).isEqualTo("items[0].count");
        assertThat(field(refusal("{\"items\":[{\"cents\":999999999999999999999999}]}"))).isEqualTo("items[0].cents");
    }

    @Test
    void aWrongTypeIsNamedInJsonTerms() {
        Response response = refusal("{\"items\":[{\"count\":\"many\"}]}");
        assertThat(field(response)).isEqualTo("items[0].count");
        assertThat(message(response)).isEqualTo("wrong type: expected a whole number");
    }

    private static Response refusal(String body) {
        JsonProcessingException e = catchThrowableOfType(JsonProcessingException.class,
                () -> Json.REQUESTS.readValue(body, Basket.class));
        assertThat(e).as(body).isNotNull();
        return JsonErrors.toResponse(e);
    }

    private static String message(Response response) {
        return (String) ((Map<?, ?>) response.body()).get("error");
    }

    private static String field(Response response) {
        return (String) ((Map<?, ?>) response.body()).get("field");
    }
}
