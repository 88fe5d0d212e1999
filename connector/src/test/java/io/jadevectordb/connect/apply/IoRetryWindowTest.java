package io.jadevectordb.connect.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.Test;

import io.jadevectordb.connect.SinkMetrics;
import io.jadevectordb.engine.CorruptShardException;
import io.jadevectordb.engine.ShardFailedException;
import io.jadevectordb.engine.ShardLockedException;

class IoRetryWindowTest {

    @Test
    void aLockedShardIsRetriableWhileTheWindowIsOpen() {
        IoRetryWindow window = new IoRetryWindow(3_600_000, SinkMetrics.none());

        RuntimeException outcome = window.handle(new ShardLockedException(Path.of("/d/db/t-0.jvdb")), "applying");

        assertThat(outcome).isInstanceOf(RetriableException.class).hasMessageContaining("locked by another writer");
    }

    @Test
    void aFullDiskIsRetriableWhileTheWindowIsOpen() {
        IoRetryWindow window = new IoRetryWindow(3_600_000, SinkMetrics.none());

        assertThat(window.handle(new IOException("No space left on device"), "applying"))
                .isInstanceOf(RetriableException.class);
    }

    @Test
    void aFailedForceFailsTheTaskAtOnce() {
        IoRetryWindow window = new IoRetryWindow(3_600_000, SinkMetrics.none());

        RuntimeException outcome = window.handle(new ShardFailedException("fsync failed", null), "commit of t-0");

        assertThat(outcome).isInstanceOf(ConnectException.class).isNotInstanceOf(RetriableException.class)
                .hasMessageContaining("commit of t-0").hasMessageContaining("replays from the shards' last checkpoint");
    }

    @Test
    void aFailedShardStopsItsPartitionForGoodAndNoOther() {
        // What applied since its checkpoint went with the failed shard: nothing more of it may be applied or committed.
        IoRetryWindow window = new IoRetryWindow(3_600_000, SinkMetrics.none());
        TopicPartition failed = new TopicPartition("t", 0);
        TopicPartition healthy = new TopicPartition("t", 1);

        window.handle(new PartitionIoException(failed, new ShardFailedException("write failed", null)), "applying");
        window.handle(new IOException("No space left on device"), "applying"); // retriable: not for good

        assertThat(window.failedForGood(failed)).isTrue();
        assertThat(window.failedForGood(healthy)).isFalse();
    }

    @Test
    void aCorruptShardFailsTheTaskAtOnce() {
        IoRetryWindow window = new IoRetryWindow(3_600_000, SinkMetrics.none());

        assertThat(window.handle(new CorruptShardException("bad magic"), "open"))
                .isNotInstanceOf(RetriableException.class);
    }

    @Test
    void aRetriableProblemOutlastingTheWindowFailsTheTaskNamingTheKey() {
        IoRetryWindow window = new IoRetryWindow(0, SinkMetrics.none());

        RuntimeException outcome = window.handle(new IOException("No space left on device"), "applying");

        assertThat(outcome).isNotInstanceOf(RetriableException.class).hasMessageContaining("io.retry.timeout.ms=0")
                .hasMessageContaining("free disk space");
    }
    @Test
    void aSuccessOfOnePartitionDoesNotReopenTheWindowOfAnotherWhoseShardStaysLocked() {
        // Issue 15, finding 18: with one shared window, B retried forever while A kept applying.
        TopicPartition a = new TopicPartition("t", 0);
        TopicPartition b = new TopicPartition("t", 1);
        long[] now = {0};
        IoRetryWindow window = new IoRetryWindow(1_000, SinkMetrics.none(), () -> now[0]);
        ShardLockedException locked = new ShardLockedException(Path.of("/d/db/t-1.jvdb"));
        assertThat(window.handle(b, locked, "commit")).isInstanceOf(RetriableException.class);

        now[0] = 600;
        window.succeeded(a);
        now[0] = 1_200;
        RuntimeException outcome = window.handle(b, locked, "commit");

        assertThat(outcome).isNotInstanceOf(RetriableException.class).hasMessageContaining("partition t-1")
                .hasMessageContaining("/d/db/t-1.jvdb").hasMessageContaining("kept failing for 1200 ms");
        window.succeeded(b); // B's own success closes B's window
        assertThat(window.handle(b, locked, "commit")).isInstanceOf(RetriableException.class);
    }

    @Test
    void aFailureOfTheBackgroundApplyIsChargedToThePartitionItNames() {
        TopicPartition b = new TopicPartition("t", 1);
        long[] now = {0};
        IoRetryWindow window = new IoRetryWindow(1_000, SinkMetrics.none(), () -> now[0]);
        ShardLockedException locked = new ShardLockedException(Path.of("/d/db/t-1.jvdb"));
        window.handle(new PartitionIoException(b, locked), "background apply");

        now[0] = 1_000;
        RuntimeException outcome = window.handle(b, locked, "commit");

        assertThat(outcome).isNotInstanceOf(RetriableException.class).hasMessageContaining("partition t-1");
    }
}
