package io.jadevectordb.connect.apply;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * A conservative estimate of the heap a retained {@link SinkRecord} holds: its converted key,
 * value and headers (a {@code List<Float>} of a Struct costs a boxed Float and a reference per
 * component, about 24 bytes where the float[] costs 4), plus the raw bytes the worker keeps with
 * it for the dead letter queue, estimated from the converted content. Used for
 * {@code buffer.max.bytes}; it errs on the high side so the bound holds.
 */
final class RecordFootprint {

    /** SinkRecord and ConsumerRecord objects, topic reference, headers container. */
    private static final long RECORD_OVERHEAD = 256;
    /** Upper bound of the serialized size of one number (text formats write floats as ~10 characters). */
    private static final long RAW_BYTES_PER_NUMBER = 12;

    private RecordFootprint() {
    }

    /** Estimated heap held by {@code record} while it is buffered; 0 for null. */
    static long estimate(SinkRecord record) {
        if (record == null) {
            return 0;
        }
        long[] raw = new long[1];
        long heap = RECORD_OVERHEAD + heap(record.key(), raw) + heap(record.value(), raw);
        for (Header header : record.headers()) {
            heap += 32 + heap(header.key(), raw) + heap(header.value(), raw);
        }
        return heap + raw[0];
    }

    /** Heap of a converted Connect value; adds its estimated serialized size to {@code raw[0]}. */
    private static long heap(Object value, long[] raw) {
        if (value == null) {
            return 0;
        }
        if (value instanceof Number || value instanceof Boolean) {
            raw[0] += RAW_BYTES_PER_NUMBER;
            return 24; // a boxed value
        }
        if (value instanceof String s) {
            raw[0] += 2L + 3L * s.length();
            return 48 + 2L * s.length();
        }
        if (value instanceof byte[] bytes) {
            raw[0] += 2L * bytes.length; // base64 in text formats
            return 16 + bytes.length;
        }
        if (value instanceof ByteBuffer buffer) {
            raw[0] += 2L * buffer.remaining();
            return 64 + buffer.capacity();
        }
        if (value instanceof Struct struct) {
            long heap = 32 + 8L * struct.schema().fields().size();
            for (Field field : struct.schema().fields()) {
                raw[0] += 4 + field.name().length();
                heap += heap(struct.get(field), raw);
            }
            return heap;
        }
        if (value instanceof List<?> list) {
            long heap = 40 + 8L * list.size();
            for (Object element : list) {
                heap += heap(element, raw);
            }
            return heap;
        }
        if (value instanceof Map<?, ?> map) {
            long heap = 64;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                heap += 48 + heap(entry.getKey(), raw) + heap(entry.getValue(), raw);
            }
            return heap;
        }
        return 64; // anything else a converter might produce: small
    }
}
