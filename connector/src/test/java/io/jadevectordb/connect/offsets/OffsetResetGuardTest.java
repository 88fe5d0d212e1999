package io.jadevectordb.connect.offsets;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.connect.VectorSinkConfig;

/** Which workers accept offset resets (offsets.reset), and the refusal of the others. */
class OffsetResetGuardTest {

    private static final Map<TopicPartition, Long> RESET = new HashMap<>(Map.of(new TopicPartition("vectors", 0), 3L));

    @TempDir
    Path dataDir;

    private VectorSinkConfig config(String mode) {
        return new VectorSinkConfig(Map.of(VectorSinkConfig.DATA_DIR_CONFIG, dataDir.toString(),
                VectorSinkConfig.OFFSETS_RESET_CONFIG, mode));
    }

    /** A marker bean standing in for one a Connect worker registers. */
    public interface MarkerMBean {
    }

    private static AutoCloseable register(String name) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName objectName = new ObjectName(name);
        server.registerMBean(new StandardMBean(new MarkerMBean() { }, MarkerMBean.class), objectName);
        return () -> server.unregisterMBean(objectName);
    }

    @Test
    void localAcceptsAndRefuseRefusesNamingThePartitionAndTheStepsByHand() {
        assertThatCode(() -> OffsetResetGuard.check(config("local"), RESET)).doesNotThrowAnyException();
        assertThatThrownBy(() -> OffsetResetGuard.check(config("refuse"), RESET))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("refusing the offset reset of [vectors-0]").hasMessageContaining("offsets.reset=refuse")
                .hasMessageContaining(dataDir + "/*/<topic>-<partition>.jvdb*")
                .hasMessageContaining(dataDir + "/*/sources/<topic>-<partition>");
    }

    @Test
    void autoAcceptsInAStandaloneWorkerAndRefusesInADistributedOne() throws Exception {
        try (AutoCloseable worker = register("kafka.connect:type=connect-worker-metrics")) {
            assertThatCode(() -> OffsetResetGuard.check(config("auto"), RESET)).doesNotThrowAnyException();
            try (AutoCloseable distributed = register("kafka.connect:type=connect-worker-rebalance-metrics")) {
                assertThatThrownBy(() -> OffsetResetGuard.check(config("auto"), RESET))
                        .hasMessageContaining("distributed Connect worker").hasMessageContaining("offsets.reset=local");
            }
        }
    }

    @Test
    void autoRefusesWhenItCannotTellWhatKindOfWorkerThisIs() {
        assertThatThrownBy(() -> OffsetResetGuard.check(config("auto"), RESET))
                .hasMessageContaining("cannot tell whether this Connect worker is standalone")
                .hasMessageContaining("metric.reporters");
    }
}
