package io.jadevectordb.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

/** The first records after a resume tell whether the log still holds what the checkpoint assumes. */
class ResumeCheckTest {

    private static final TopicPartition TP = new TopicPartition("vectors", 0);

    private static List<SinkRecord> records(long... offsets) {
        List<SinkRecord> records = new ArrayList<>();
        for (long offset : offsets) {
            records.add(new SinkRecord(TP.topic(), TP.partition(), null, "k", null, "v", offset));
        }
        return records;
    }

    /** A check whose consumer reports {@code lead} records between the log start and its position. */
    private static ResumeCheck resumedAt(long checkpoint, long lead) {
        ResumeCheck check = new ResumeCheck(partition -> lead);
        check.resumed(TP, checkpoint);
        return check;
    }

    @Test
    void theOffsetAfterTheCheckpointAndACompactedGapPass() {
        assertThat(resumedAt(4, 3).check(records(5, 6, 7), "/data", false)).isEmpty();
        // Log start 0 (lead 10 at position 10): offsets 5..7 were compacted away, nothing needed is lost.
        assertThat(resumedAt(4, 10).check(records(8, 9), "/data", false)).isEmpty();
    }

    @Test
    void aFirstRecordAtOrBelowTheCheckpointFailsNamingTheFix() {
        assertThatThrownBy(() -> resumedAt(4, 3).check(records(0, 1, 2), "/data", false))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("vectors-0 resumed after its shard checkpoint 4")
                .hasMessageContaining("first record is at offset 0").hasMessageContaining("/data/*/vectors-0.jvdb*")
                .hasMessageContaining("recreated.topic.behavior=rebuild");
    }

    @Test
    void aLogThatNowStartsPastTheCheckpointFailsNamingTheDeletedRecords() {
        // Position 10 after offsets 8 and 9, lead 2: the log starts at 8, so 5..7 were deleted before they were applied.
        assertThatThrownBy(() -> resumedAt(4, 2).check(records(8, 9), "/data", false))
                .hasMessageContaining("its log now starts at offset 8").hasMessageContaining("records 5..7 were deleted")
                .hasMessageContaining("retention");
    }

    @Test
    void withRebuildTheProblemPartitionsFirstRecordIsReturnedInstead() {
        assertThat(resumedAt(4, 2).check(records(8, 9), "/data", true)).extracting(KafkaPosition::offset).containsExactly(8L);
        assertThat(resumedAt(4, 3).check(records(0, 1, 2), "/data", true)).extracting(KafkaPosition::offset)
                .containsExactly(0L);
    }

    @Test
    void aGapIsLetThroughWhenTheLogStartIsUnknownAndOnlyTheFirstBatchIsChecked() {
        ResumeCheck check = resumedAt(4, -1);
        assertThat(check.check(records(8, 9), "/data", false)).isEmpty();
        assertThat(check.check(records(0), "/data", false)).as("a later batch").isEmpty();
    }
}
