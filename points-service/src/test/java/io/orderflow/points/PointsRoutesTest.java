package io.orderflow.points;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.orderflow.platform.http.Json;
import io.orderflow.platform.http.Problem;
import org.junit.jupiter.api.Test;

class PointsRoutesTest {

    @Test
    void acceptsACreditWithAReason() throws Exception {
        var adjustment = PointsRoutes.parse(Json.MAPPER.readTree("{\"delta\": 500, \"reason\": \" demo \"}"));

        assertThat(adjustment.delta()).isEqualTo(500);
        assertThat(adjustment.reason()).isEqualTo("demo");
    }

    @Test
    void namesEachInvalidField() throws Exception {
        assertThatThrownBy(() -> PointsRoutes.parse(Json.MAPPER.readTree("{\"delta\": 1.5}")))
                .isInstanceOfSatisfying(Problem.class, p -> {
                    assertThat(p.status()).isEqualTo(400);
                    assertThat(p.body("/customers/c1/points").get("errors").toString())
                            .contains("delta").contains("reason");
                });
        assertThatThrownBy(() -> PointsRoutes.parse(Json.MAPPER.readTree("{\"delta\": 0, \"reason\": \"x\"}")))
                .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.getMessage()).startsWith("delta"));
    }
}
