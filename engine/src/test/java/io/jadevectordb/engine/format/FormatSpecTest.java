package io.jadevectordb.engine.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jadevectordb.engine.index.IdTable;
import io.jadevectordb.engine.index.IndexSnapshot;
import io.jadevectordb.engine.io.FileIO;

/**
 * The byte tables of {@code docs/format.md} are the specification: each documented field is
 * read from bytes the code wrote, at the documented offset and size, and must hold the value
 * the code put there. A table and a constant can therefore not drift apart unnoticed.
 */
class FormatSpecTest {

    private static final Path SPEC = Path.of("..", "docs", "format.md");
    private static final Pattern ROW = Pattern.compile("^\\| (\\d+) \\| (\\d+) \\| (\\w+) \\|.*$");

    @TempDir
    Path dir;

    /** Rows {@code | offset | size | field | ...} of the first table after {@code heading}, by field name. */
    private static Map<String, int[]> table(String heading, int skipTables) throws Exception {
        List<String> lines = Files.readAllLines(SPEC);
        int at = lines.indexOf(heading);
        assertThat(at).as("heading '%s' in %s", heading, SPEC).isNotNegative();
        Map<String, int[]> fields = new LinkedHashMap<>();
        int tables = 0;
        boolean inTable = false;
        for (int i = at + 1; i < lines.size() && !lines.get(i).startsWith("#"); i++) {
            String line = lines.get(i);
            if (line.startsWith("|")) {
                if (!inTable) {
                    inTable = true;
                    tables++;
                }
                Matcher m = ROW.matcher(line);
                if (tables == skipTables + 1 && m.matches()) {
                    fields.put(m.group(3), new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
                }
            } else {
                inTable = false;
            }
        }
        assertThat(fields).as("rows under '%s'", heading).isNotEmpty();
        return fields;
    }

    private static long read(ByteBuffer b, int[] field) {
        return switch (field[1]) {
            case 1 -> b.get(field[0]);
            case 2 -> b.getShort(field[0]);
            case 4 -> b.getInt(field[0]);
            case 8 -> b.getLong(field[0]);
            default -> throw new AssertionError("a field of " + field[1] + " bytes is not a number");
        };
    }

    private static void check(String what, Map<String, int[]> doc, ByteBuffer bytes, Map<String, Long> expected) {
        assertThat(doc.keySet()).as("%s fields documented", what).containsAll(expected.keySet());
        expected.forEach((field, value) -> assertThat(read(bytes, doc.get(field)))
                .as("%s field %s at offset %d, %d bytes", what, field, doc.get(field)[0], doc.get(field)[1]).isEqualTo(value));
    }

    @Test
    void theStaticHeaderIsWhereTheSpecSaysItIs() throws Exception {
        ShardFormat format = new ShardFormat(768, 100, 0x1122334455667788L);
        ByteBuffer b = ByteBuffer.wrap(format.encodeStaticHeader()).order(ByteOrder.LITTLE_ENDIAN);
        check("static header", table("### Header page (bytes 0..4095)", 0), b, Map.of(
                "magic", (long) Integer.reverseBytes(ShardFormat.MAGIC), "version", (long) ShardFormat.VERSION,
                "dimension", 768L, "maxIdBytes", 100L, "logId", 0x1122334455667788L,
                "headerCrc", (long) ShardFormat.crc(b.array(), 0, ShardFormat.HEADER_CRC_OFFSET)));
    }

    @Test
    void aCheckpointCopyIsWhereTheSpecSaysItIs() throws Exception {
        Checkpoint c = new Checkpoint(7, 41, 8192, 5, 3, true, 44, 96, true);
        ByteBuffer b = ByteBuffer.wrap(c.encode()).order(ByteOrder.LITTLE_ENDIAN);
        check("checkpoint copy", table("### Header page (bytes 0..4095)", 1), b, Map.of(
                "generation", 7L, "sourceOffset", 41L, "logEnd", 8192L, "liveCount", 5L, "deletedCount", 3L, "flags", 3L,
                "entryHighWater", 44L, "garbageBytes", 96L, "checkpointCrc", (long) ShardFormat.crc(b.array(), 0, 60)));
        assertThat(Files.readString(SPEC)).contains("copy **A** at offset " + ShardFormat.CHECKPOINT_A_OFFSET)
                .contains("copy **B** at offset " + ShardFormat.CHECKPOINT_B_OFFSET);
    }

    @Test
    void aRecordIsWhereTheSpecSaysItIs() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        byte[] id = ShardFormat.idBytes("doc-17");
        int length = ShardFormat.encodeRecord(b, ShardFormat.TYPE_STORE, 1234, new float[] {1, 2, 3}, id, new CRC32C());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 20);
        crc.update(b.array(), ShardFormat.RECORD_HEADER, 12 + id.length);
        check("record", table("### Records (from byte 4096)", 0), b, Map.of("length", (long) length,
                "type", (long) ShardFormat.TYPE_STORE, "flags", 0L, "idLength", (long) id.length, "sourceOffset", 1234L,
                "payloadLength", 12L, "recordCrc", (long) (int) crc.getValue()));
        assertThat(b.getFloat(ShardFormat.RECORD_HEADER + 8)).as("the vector at 24, per the spec").isEqualTo(3f);
    }

    @Test
    void aRecordsMetadataIsWhereTheSpecSaysItIs() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        byte[] id = ShardFormat.idBytes("doc-17");
        byte[] metadata = "{lang: en}".getBytes(StandardCharsets.UTF_8);
        float[] vector = {1, 2, 3};
        int length = ShardFormat.encodeRecord(b, ShardFormat.TYPE_STORE, 1234, vector, id, metadata, new CRC32C());
        int end = ShardFormat.RECORD_HEADER + 12 + id.length;
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 20);
        crc.update(b.array(), ShardFormat.RECORD_HEADER, 12 + id.length + 4 + metadata.length);
        check("record", table("### Records (from byte 4096)", 0), b, Map.of("length",
                ShardFormat.alignUp(end + 4 + metadata.length, 8), "flags", (long) ShardFormat.FLAG_METADATA,
                "recordCrc", (long) (int) crc.getValue()));
        check("record metadata", table("### Record metadata (flags bit 0)", 0), b.slice(end, length - end).order(ByteOrder.LITTLE_ENDIAN),
                Map.of("metadataLength", (long) metadata.length));
        assertThat(Arrays.copyOfRange(b.array(), end + 4, end + 4 + metadata.length)).as("the metadata after its length")
                .containsExactly(metadata);
        assertThat(Files.readString(SPEC)).contains("0.." + ShardFormat.MAX_METADATA_BYTES + " (`ShardFormat.MAX_METADATA_BYTES`)");
        // Without metadata, the bytes are those of the record format before metadata existed.
        ByteBuffer plain = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer none = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        int plainLength = ShardFormat.encodeRecord(plain, ShardFormat.TYPE_STORE, 1234, vector, id, new CRC32C());
        assertThat(ShardFormat.encodeRecord(none, ShardFormat.TYPE_STORE, 1234, vector, id, null, new CRC32C())).isEqualTo(plainLength);
        assertThat(Arrays.copyOf(none.array(), plainLength)).containsExactly(Arrays.copyOf(plain.array(), plainLength));
        assertThat(plain.get(5)).isZero();
    }

    @Test
    void anIndexEntryAndASnapshotHeaderAreWhereTheSpecSaysTheyAre() throws Exception {
        Path shard = dir.resolve("s-0.jvdb");
        try (IdTable table = IdTable.allocate(shard.toString(), 64)) {
            table.set(5, 0x0102030405060708L, 8192, 77, IdTable.FLAG_OCCUPIED | IdTable.FLAG_DELETED, 40);
            IndexSnapshot.write(FileIO.SYSTEM, shard, 0x55L, table, 8192, 9, 8, 77, 320);
            ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(IndexSnapshot.fileOf(shard))).order(ByteOrder.LITTLE_ENDIAN);
            check("snapshot header", table("### Index snapshot file (`.jvdb.index`)", 0), file, Map.of(
                    "magic", (long) Integer.reverseBytes(IndexSnapshot.MAGIC), "version", (long) IndexSnapshot.VERSION,
                    "logId", 0x55L, "coveredEnd", 8192L, "capacity", 64L, "liveCount", 9L, "deletedCount", 8L,
                    "entryHighWater", 77L, "garbageBytes", 320L, "tableCrc", (long) table.crc()));
            assertThat(Files.readString(SPEC)).contains("| " + IndexSnapshot.HEADER_SIZE + " | capacity × " + IdTable.ENTRY_SIZE
                    + " | table |");
            ByteBuffer entry = file.slice(IndexSnapshot.HEADER_SIZE + 5 * IdTable.ENTRY_SIZE, IdTable.ENTRY_SIZE)
                    .order(ByteOrder.LITTLE_ENDIAN);
            check("index entry", table("## The index", 0), entry, Map.of("idHash", 0x0102030405060708L, "position", 8192L,
                    "sourceOffset", 77L, "flags", 3L, "length", 40L));
        }
    }
}
