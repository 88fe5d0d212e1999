package io.jadevectordb.connect;

import org.apache.kafka.connect.connector.Task;

/** The sink with {@link InvariantCheckingSinkTask}s: the real connector, observed at every commit. */
public class InvariantCheckingSinkConnector extends VectorSinkConnector {

    @Override
    public Class<? extends Task> taskClass() {
        return InvariantCheckingSinkTask.class;
    }
}
