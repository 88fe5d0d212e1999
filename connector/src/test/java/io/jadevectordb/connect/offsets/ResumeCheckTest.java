package io.jadevectordb.connect.offsets;

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

    /** A lead that the test changes between batches, as the consumer's metric does between fetches. */
    private static final class MovingLead implements RestoreProgress.Lag {
        long lead = -1;
        int explained;

        @Override
        public long recordsLeft(TopicPartition partition) {
            return lead;
        }

        @Override
        public String whyUnknown(TopicPartition partition) {
            explained++;
            return "not registered";
        }
    }

    @Test
    void aLogTruncatedMidStreamIsCaughtAtTheGapNotOnlyInTheFirstBatch() {
        MovingLead lead = new MovingLead();
        ResumeCheck check = new ResumeCheck(lead);
        check.resumed(TP, 4);
        lead.lead = 3;
        assertThat(check.check(records(5, 6, 7), "/data", false)).isEmpty();
        check.handled();

        // The task fell behind retention: its position 8 fell off the log, which now starts at 12.
        lead.lead = 2;
        assertThatThrownBy(() -> check.check(records(12, 13), "/data", false))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("vectors-0 delivered offset 7 last but its log now starts at offset 12")
                .hasMessageContaining("records 8..11 were deleted");
    }

    @Test
    void aGapInsideABatchIsCheckedToo() {
        MovingLead lead = new MovingLead();
        ResumeCheck check = new ResumeCheck(lead);
        lead.lead = 7;
        assertThat(check.check(records(0, 1, 2), "/data", false)).as("a partition opened without a checkpoint").isEmpty();
        check.handled();
        // Position 10 after 8 and 9, lead 2: the log starts at 8; records 3..7 are gone.
        lead.lead = 2;
        assertThat(check.check(records(3, 4, 8, 9), "/data", true)).extracting(KafkaPosition::offset).containsExactly(8L);
    }

    @Test
    void aCompactedGapMidStreamPasses() {
        MovingLead lead = new MovingLead();
        ResumeCheck check = new ResumeCheck(lead);
        lead.lead = 3;
        assertThat(check.check(records(0, 1, 2), "/data", false)).isEmpty();
        check.handled();
        lead.lead = 10; // the log still starts at 0: offsets 3..7 were compacted away
        assertThat(check.check(records(8, 9), "/data", false)).isEmpty();
    }

    @Test
    void offsetsThatGoBackMidStreamMeanARecreatedTopic() {
        ResumeCheck check = new ResumeCheck(partition -> -1);
        assertThat(check.check(records(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), "/data", false)).isEmpty();
        check.handled();

        assertThatThrownBy(() -> check.check(records(0, 1), "/data", false))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("vectors-0 delivered offsets up to 9 and now offset 0")
                .hasMessageContaining("deleted and recreated")
                .hasMessageContaining("recreated.topic.behavior=rebuild");
    }

    @Test
    void theSameBatchAgainAndARewindByConnectAfterAFailedPreCommitPass() {
        ResumeCheck check = new ResumeCheck(partition -> -1);
        check.resumed(TP, 4);
        assertThat(check.check(records(5, 6, 7), "/data", false)).isEmpty();
        check.handled();
        assertThat(check.check(records(8, 9), "/data", false)).isEmpty(); // put() throws a RetriableException
        assertThat(check.check(records(8, 9), "/data", false)).as("redelivered after a RetriableException").isEmpty();
        check.handled();

        check.rewound();
        assertThat(check.check(records(5, 6, 7, 8, 9, 10), "/data", false)).as("back to the committed offset").isEmpty();
        check.handled();
        assertThatThrownBy(() -> check.check(records(5), "/data", false)).as("without a rewind")
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void aGapThatCannotBeCheckedPassesAndIsExplainedOncePerPartition() {
        MovingLead lead = new MovingLead();
        ResumeCheck check = new ResumeCheck(lead);
        check.resumed(TP, 4);

        assertThat(check.check(records(8, 9), "/data", false)).isEmpty();
        check.handled();
        assertThat(check.check(records(20, 21), "/data", false)).isEmpty();

        assertThat(lead.explained).as("warnings naming why the log start is unknown").isEqualTo(1);
    }

    @Test
    void withRebuildARecreatedTopicMidStreamIsRebuiltFromItsFirstRecord() {
        ResumeCheck check = new ResumeCheck(partition -> -1);
        assertThat(check.check(records(0, 1, 2, 3, 4, 5), "/data", true)).isEmpty();
        check.handled();

        assertThat(check.check(records(0, 1), "/data", true)).extracting(KafkaPosition::offset).containsExactly(0L);
        check.handled();
        assertThat(check.check(records(2, 3), "/data", true)).as("the rebuild continues").isEmpty();
    }
}
