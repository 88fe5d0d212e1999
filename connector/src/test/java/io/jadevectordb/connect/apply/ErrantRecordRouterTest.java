package io.jadevectordb.connect.apply;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import io.jadevectordb.connect.SinkMetrics;
import io.jadevectordb.connect.offsets.KafkaPosition;

/** The dead-letter path itself runs against a real worker in VectorSinkEndToEndTest. */
class ErrantRecordRouterTest {

    private final SinkRecord record = new SinkRecord("vectors", 2, null, "k", null, null, 17L);
    private final InvalidRecordException error = new InvalidRecordException(
            new KafkaPosition(new TopicPartition("vectors", 2), 17L), "op", "MERGE", "unknown operation", "use STORE");

    @Test
    void underToleranceNoneTheTaskFailsNamingPositionFieldAndFix() {
        ErrantRecordRouter router = new ErrantRecordRouter(Map.of(), null, SinkMetrics.none());

        assertThatThrownBy(() -> router.reject(record, error))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("topic vectors partition 2 offset 17")
                .hasMessageContaining("field 'op' = 'MERGE'")
                .hasMessageContaining("fix: use STORE")
                .hasMessageContaining("errors.tolerance=all");
    }

    @Test
    void underToleranceAllWithoutADeadLetterQueueTheRecordIsLoggedAndTheTaskGoesOn() {
        ErrantRecordRouter router = new ErrantRecordRouter(Map.of("errors.tolerance", "ALL "), null, SinkMetrics.none());

        assertThatCode(() -> router.reject(record, error)).doesNotThrowAnyException();
    }

    @Test
    void offsetsWaitForDeadLetterWritesAndAFailedWriteStopsTheCommit() {
        CompletableFuture<Void> written = new CompletableFuture<>();
        ErrantRecordRouter router = new ErrantRecordRouter(Map.of("errors.tolerance", "all"), (r, e) -> written,
                SinkMetrics.none());
        router.reject(record, error);
        written.completeExceptionally(new IllegalStateException("dead letter topic unavailable"));

        assertThatThrownBy(router::awaitReported).isInstanceOf(ConnectException.class)
                .hasMessageContaining("dead letter queue failed").hasMessageContaining("dead letter topic unavailable");
        assertThatThrownBy(router::awaitReported).as("a lost dead letter fails the task for good")
                .isSameAs(router.failure());
    }
}
