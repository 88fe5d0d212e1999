package io.jadevectordb.connect.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.VectorSinkConfig;

/**
 * {@code buffer.max.bytes} bounds what buffering really holds: the heap retained by buffered
 * mutations, measured after a full GC, never exceeds what the buffers account for (with a
 * little slack for measurement noise). Records arrive as the JSON and Avro converters deliver
 * them on the Struct path: the vector as a boxed {@code List<Float>}.
 */
class BufferAccountingTest {

    private static final int RECORDS = 4000;
    private static final int DIMENSION = 768;
    private static final TopicPartition TP = new TopicPartition("vectors", 0);

    @TempDir
    Path tmp;

    @Test
    void bufferedStoresHoldNoMoreHeapThanTheBufferAccountsFor() {
        assertAccountingCoversRetainedHeap("STORE", "reject");
    }

    @Test
    void bufferedUpdatesThatKeepTheirRecordForTheDeadLetterQueueAreAccountedWithIt() {
        assertAccountingCoversRetainedHeap("UPDATE", "reject");
    }

    private void assertAccountingCoversRetainedHeap(String op, String updateMissingPolicy) {
        RecordMapper mapper = new RecordMapper(new VectorSinkConfig(Map.of(VectorSinkConfig.DATA_DIR_CONFIG, tmp.toString(),
                VectorSinkConfig.UPDATE_MISSING_POLICY_CONFIG, updateMissingPolicy)));
        PartitionBuffers buffers = new PartitionBuffers(Integer.MAX_VALUE);
        buffers.open(TP, -1);
        long before = usedHeapAfterGc();

        for (int i = 0; i < RECORDS; i++) {
            buffers.add(mapper.map(record(op, i)).orElseThrow());
        }
        long retained = usedHeapAfterGc() - before;

        System.out.printf("%s: %d records of %d floats retain %d bytes; the buffer accounts %d%n", op, RECORDS, DIMENSION,
                retained, buffers.bufferedBytes());
        assertThat(buffers.pendingCount(TP)).isEqualTo(RECORDS);
        assertThat(retained).as("heap retained by %d buffered %s records", RECORDS, op)
                .isLessThanOrEqualTo(buffers.bufferedBytes() + buffers.bufferedBytes() / 4);
    }

    private static SinkRecord record(String op, int i) {
        List<Float> vector = new ArrayList<>(DIMENSION);
        for (int d = 0; d < DIMENSION; d++) {
            vector.add(i + d / 1000f); // distinct boxed Floats, as a converter makes them
        }
        Struct value = new Struct(RecordMapperTest.VALUE_SCHEMA).put("database", "articles").put("id", "doc-" + i)
                .put("op", op).put("vector", vector);
        return new SinkRecord(TP.topic(), TP.partition(), null, null, value.schema(), value, i);
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
