package io.jadevectordb.connect.offsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OffsetResetJournalTest {

    private static final TopicPartition P0 = new TopicPartition("vectors", 0);
    private static final TopicPartition P1 = new TopicPartition("vectors", 1);

    @TempDir
    Path dataDir;

    @Test
    void keepsEachPartitionsResetUntilItIsCarriedOut() throws Exception {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        offsets.put(P0, 42L);
        offsets.put(P1, null); // DELETE: from the earliest
        new OffsetResetJournal(dataDir).record(offsets);

        OffsetResetJournal reopened = new OffsetResetJournal(dataDir);
        assertThat(reopened.pending(P0)).isEqualTo(OptionalLong.of(42));
        assertThat(reopened.pending(P1)).isEqualTo(OptionalLong.of(OffsetResetJournal.EARLIEST_OFFSET));
        assertThat(reopened.pending(new TopicPartition("vectors", 2))).isEmpty();

        reopened.done(P0);
        assertThat(reopened.pending(P0)).isEmpty();
        assertThat(reopened.pending(P1)).isPresent();
    }

    @Test
    void aLaterResetOfAPartitionReplacesTheEarlierOne() throws Exception {
        OffsetResetJournal journal = new OffsetResetJournal(dataDir);
        journal.record(Map.of(P0, 7L));
        journal.record(Map.of(P0, 3L));
        assertThat(journal.pending(P0)).isEqualTo(OptionalLong.of(3));
        try (var files = Files.list(journal.directory())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("vectors-0.reset");
        }
    }

    @Test
    void aFileThatDoesNotSayWhereToStartIsAnErrorNamingItAndTheFix() throws Exception {
        OffsetResetJournal journal = new OffsetResetJournal(dataDir);
        Files.createDirectories(journal.directory());
        Files.writeString(journal.directory().resolve("vectors-0.reset"), "offset=-5\n");
        assertThatThrownBy(() -> journal.pending(P0)).isInstanceOf(IOException.class)
                .hasMessageContaining("vectors-0.reset").hasMessageContaining("vectors-0")
                .hasMessageContaining("deleting it cancels the reset");
    }

    @Test
    void resetsOfTopicsTheConnectorNoLongerConsumesAreDiscardedAndTheOthersKept() throws Exception {
        TopicPartition gone = new TopicPartition("old.topic", 3);
        OffsetResetJournal journal = new OffsetResetJournal(dataDir);
        journal.record(Map.of(P0, 7L, gone, 2L));

        assertThat(journal.discardUnconsumed(topic -> topic.equals("vectors"))).containsExactly(gone);

        assertThat(journal.pending(P0)).isEqualTo(OptionalLong.of(7));
        assertThat(journal.pending(gone)).isEmpty();
    }

    @Test
    void discardingWithoutAnyRecordedResetCreatesNothing() throws Exception {
        OffsetResetJournal journal = new OffsetResetJournal(dataDir);
        assertThat(journal.discardUnconsumed(topic -> false)).isEmpty();
        assertThat(journal.directory()).doesNotExist();
    }
}
