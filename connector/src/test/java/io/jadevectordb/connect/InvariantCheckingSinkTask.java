package io.jadevectordb.connect;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import io.jadevectordb.engine.StoreOptions;
import io.jadevectordb.engine.crash.PowerLossRecorder;

/**
 * The real task, with its store's file I/O recorded, checked at every {@code preCommit} return
 * by {@link PowerLossCheck}: every record below each returned offset must be readable from what
 * a power loss at that instant leaves. Findings go to the data dir's {@link CommitObservation}
 * for the test to assert on (a task cannot fail a test directly); a stop hands the next task a
 * power-loss image as its starting state.
 */
public class InvariantCheckingSinkTask extends VectorSinkTask {

    /** Growth step of the checked stores. */
    static final long GROWTH_BYTES = 64 << 10;

    private CommitObservation observation;
    private PowerLossRecorder recorder;

    @Override
    protected StoreOptions storeOptions(VectorSinkConfig config) throws IOException {
        observation = CommitObservation.of(config.dataDir());
        recorder = observation.startRecording();
        // Small growth steps: each image then holds kilobytes, not 16 MiB of preallocated zeros per
        // shard, and a run crosses several growth steps, whose extend/force order is judged too.
        return recorder.applyTo(super.storeOptions(config).withGrowthBytes(GROWTH_BYTES));
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        Map<TopicPartition, OffsetAndMetadata> durable = super.preCommit(currentOffsets);
        // Taken at once: every force the returned offsets rely on completed before this point.
        int point = recorder.mark();
        if (!durable.isEmpty()) {
            Map<TopicPartition, Long> committed = new HashMap<>();
            durable.forEach((tp, offset) -> committed.put(tp, offset.offset()));
            try {
                PowerLossCheck.check(observation, recorder, point, committed);
            } catch (IOException | RuntimeException e) {
                observation.violation("checking " + committed + " at crash point " + point + " failed: " + e);
            }
        }
        return durable;
    }

    @Override
    public void stop() {
        super.stop();
        if (recorder != null) {
            try {
                observation.stopRecording(recorder);
            } catch (IOException | RuntimeException e) {
                observation.violation("handing " + observation.dataDir() + " over as a power-loss image failed: " + e);
            }
        }
    }
}
