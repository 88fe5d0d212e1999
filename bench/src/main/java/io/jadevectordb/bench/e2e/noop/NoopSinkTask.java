package io.jadevectordb.bench.e2e.noop;

import java.util.Collection;
import java.util.Map;

import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/** Touches each record's value (so nothing is optimised away) and drops it, whatever the converter made of it. */
public class NoopSinkTask extends SinkTask {

    private long bytes;

    @Override
    public void start(Map<String, String> props) {
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        for (SinkRecord r : records) {
            if (r.value() instanceof byte[] b) {
                bytes += b.length;
            } else if (r.value() != null) {
                bytes++; // a converted value (a Struct behind Apicurio's converter): counted, not read
            }
        }
    }

    @Override
    public void stop() {
    }

    @Override
    public String version() {
        return "bench:" + bytes;
    }
}
