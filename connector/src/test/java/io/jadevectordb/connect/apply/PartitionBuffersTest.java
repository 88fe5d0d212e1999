package io.jadevectordb.connect.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.jadevectordb.connect.offsets.KafkaPosition;
import io.jadevectordb.engine.Mutation;

class PartitionBuffersTest {

    private static final TopicPartition P0 = new TopicPartition("vectors", 0);
    private static final TopicPartition P1 = new TopicPartition("vectors", 1);

    private static RoutedMutation store(TopicPartition tp, String database, String id, long offset) {
        return new RoutedMutation(database, Mutation.store(id, new float[] {1f, 2f}, offset),
                new KafkaPosition(tp, offset), null);
    }

    private static RoutedMutation delete(TopicPartition tp, String database, String id, long offset) {
        return new RoutedMutation(database, Mutation.delete(id, offset), new KafkaPosition(tp, offset), null);
    }

    @Test
    void keepsKafkaOrderWithinEachDatabase() {
        PartitionBuffers buffers = new PartitionBuffers(100);
        buffers.open(P0, -1);
        buffers.add(store(P0, "a", "x", 0));
        buffers.add(store(P0, "b", "y", 1));
        buffers.add(delete(P0, "a", "x", 2));

        var groups = buffers.pendingByDatabase(P0, buffers.pendingCount(P0));

        assertThat(groups.keySet()).containsExactly("a", "b");
        assertThat(groups.get("a")).extracting(m -> m.mutation().op())
                .containsExactly(Mutation.Op.STORE, Mutation.Op.DELETE);
    }

    @Test
    void redeliveredRecordsAreNotNew() {
        PartitionBuffers buffers = new PartitionBuffers(100);
        buffers.open(P0, 9);
        buffers.add(store(P0, "a", "x", 10));

        assertThat(buffers.isNew(new KafkaPosition(P0, 9))).isFalse();
        assertThat(buffers.isNew(new KafkaPosition(P0, 10))).isFalse();
        assertThat(buffers.isNew(new KafkaPosition(P0, 11))).isTrue();
    }

    @Test
    void fullWhenTheBatchSizeIsReached() {
        PartitionBuffers buffers = new PartitionBuffers(2);
        buffers.open(P0, -1);
        buffers.add(store(P0, "a", "x", 0));
        assertThat(buffers.isFull(P0)).isFalse();

        buffers.add(store(P0, "a", "y", 1));

        assertThat(buffers.isFull(P0)).isTrue();
    }

    @Test
    void bufferedBytesFollowAddsAndApplies() {
        PartitionBuffers buffers = new PartitionBuffers(10);
        buffers.open(P0, -1);
        buffers.open(P1, -1);
        buffers.add(store(P0, "a", "x", 0));
        buffers.add(store(P1, "a", "y", 0));
        long both = buffers.bufferedBytes();

        buffers.applied(P0, buffers.pendingCount(P0));

        assertThat(both).isPositive();
        assertThat(buffers.bufferedBytes()).isEqualTo(both / 2);
        assertThat(buffers.withPending()).containsExactly(P1);
    }

    @Test
    void durableOffsetsAreReportedAsNextOffsetsOnlyOnceKnown() {
        PartitionBuffers buffers = new PartitionBuffers(10);
        buffers.open(P0, -1);
        buffers.open(P1, 4);
        buffers.add(store(P0, "a", "x", 0));

        assertThat(buffers.needsCommit(P0)).isTrue();
        assertThat(buffers.durableNextOffsets(List.of(P0, P1))).containsOnlyKeys(P1).containsEntry(P1, 5L);

        buffers.committed(P0, 0);

        assertThat(buffers.needsCommit(P0)).isFalse();
        assertThat(buffers.durableNextOffsets(List.of(P0, P1))).containsEntry(P0, 1L);
    }

    @Test
    void closingDropsThePartitionAndItsBytes() {
        PartitionBuffers buffers = new PartitionBuffers(10);
        buffers.open(P0, -1);
        buffers.add(store(P0, "a", "x", 0));

        buffers.close(P0);

        assertThat(buffers.bufferedBytes()).isZero();
        assertThat(buffers.partitions()).isEmpty();
    }
}
