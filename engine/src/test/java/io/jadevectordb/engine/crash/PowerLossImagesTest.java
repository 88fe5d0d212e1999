package io.jadevectordb.engine.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The power-loss model of {@link PowerLossImages}, on small hand-made recordings. */
class PowerLossImagesTest {

    private static final int PAGE = PowerLossImages.PAGE;

    @TempDir
    Path dir;

    private static ByteBuffer filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return ByteBuffer.wrap(bytes);
    }

    private byte[] image(PowerLossImages images, int point, long seed, String name) throws IOException {
        Path target = dir.resolve("image");
        CrashHarness.deleteTree(target);
        images.materialise(point, new Random(seed), target);
        Path file = target.resolve(name);
        return Files.exists(file) ? Files.readAllBytes(file) : null;
    }

    @Test
    void forcedBytesSurviveAndEveryIntermediateVersionOfAnUnforcedPageAppearsWholeOrTorn() throws IOException {
        Path root = Files.createDirectories(dir.resolve("rec"));
        RecordingFileIO io = RecordingFileIO.under(root);
        try (FileChannel channel = io.open(root.resolve("f"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.write(filled(2 * PAGE, 1), 0);
            channel.force(false);
            for (int version = 2; version <= 4; version++) {
                channel.write(filled(PAGE, version), PAGE);
            }
        }
        io.fsyncDirectory(root);
        PowerLossImages images = new PowerLossImages(io.recording());
        Set<Integer> wholeVersions = new HashSet<>();
        boolean torn = false;
        for (long seed = 0; seed < 400; seed++) {
            byte[] bytes = image(images, images.size(), seed, "f");
            assertThat(bytes).as("seed %d", seed).hasSize(2 * PAGE);
            assertThat(Arrays.copyOf(bytes, PAGE)).as("forced page, seed %d", seed).containsOnly(1);
            Set<Byte> values = new HashSet<>();
            for (int i = PAGE; i < 2 * PAGE; i += PowerLossImages.SECTOR) {
                byte v = bytes[i];
                assertThat(Arrays.copyOfRange(bytes, i, i + PowerLossImages.SECTOR)).as("a sector is atomic").containsOnly(v);
                values.add(v);
            }
            if (values.size() == 1) {
                wholeVersions.add((int) values.iterator().next());
            } else {
                torn = true;
            }
        }
        assertThat(wholeVersions).containsExactlyInAnyOrder(1, 2, 3, 4);
        assertThat(torn).isTrue();
    }

    @Test
    void aRenameIsDurableOnlyOnceItsDirectoryIsForced() throws IOException {
        Path root = Files.createDirectories(dir.resolve("rec"));
        RecordingFileIO io = RecordingFileIO.under(root);
        try (FileChannel channel = io.open(root.resolve("f.tmp"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.write(filled(100, 7), 0);
            channel.force(true);
        }
        io.move(root.resolve("f.tmp"), root.resolve("f"));
        int beforeDirectoryForce = io.recording().mark();
        io.fsyncDirectory(root);
        PowerLossImages images = new PowerLossImages(io.recording());
        Set<Boolean> seenBeforeForce = new HashSet<>();
        for (long seed = 0; seed < 50; seed++) {
            seenBeforeForce.add(image(images, beforeDirectoryForce, seed, "f") != null);
        }
        assertThat(seenBeforeForce).as("before the directory force the rename may or may not survive").containsExactlyInAnyOrder(true, false);
        for (long seed = 0; seed < 50; seed++) {
            assertThat(image(images, images.size(), seed, "f")).as("seed %d", seed).hasSize(100).containsOnly(7);
            assertThat(image(images, images.size(), seed, "f.tmp")).isNull();
        }
    }

    @Test
    void aNewDirectoryIsDurableOnlyOnceItsParentIsForcedAndTakesItsFilesAlong() throws IOException {
        Path root = Files.createDirectories(dir.resolve("rec"));
        RecordingFileIO io = RecordingFileIO.under(root);
        io.createDirectory(root.resolve("d"));
        try (FileChannel c = io.open(root.resolve("d/f"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            c.write(filled(10, 7), 0);
            c.force(true);
        }
        io.fsyncDirectory(root.resolve("d"));
        int fileSynced = io.recording().mark();
        io.fsyncDirectory(root);
        PowerLossImages images = new PowerLossImages(io.recording());

        Path lost = dir.resolve("lost");
        images.materialiseForcedOnly(fileSynced, lost);
        assertThat(lost.resolve("d/f")).as("the file's entry was forced, but not the directory's own").doesNotExist();
        Path kept = dir.resolve("kept");
        images.materialiseForcedOnly(images.size(), kept);
        assertThat(Files.readAllBytes(kept.resolve("d/f"))).isEqualTo(filled(10, 7).array());
    }

    @Test
    void theForcedOnlyImageHoldsExactlyWhatWasForced() throws IOException {
        Path root = Files.createDirectories(dir.resolve("rec"));
        RecordingFileIO io = RecordingFileIO.under(root);
        io.fsyncDirectory(root);
        try (FileChannel channel = io.open(root.resolve("f"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.write(filled(PAGE, 1), 0);
            channel.force(false);
            channel.write(filled(PAGE, 2), PAGE);
        }
        io.fsyncDirectory(root);
        try (FileChannel channel = io.open(root.resolve("g"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.write(filled(10, 3), 0);
            channel.force(true);
        }
        PowerLossImages images = new PowerLossImages(io.recording());
        Path target = dir.resolve("forced");

        images.materialiseForcedOnly(images.size(), target);

        assertThat(Files.readAllBytes(target.resolve("f"))).as("the unforced second page is absent").hasSize(PAGE).containsOnly(1);
        assertThat(target.resolve("g")).as("forced, but its directory entry never was").doesNotExist();
    }

    @Test
    void aLinkIsDurableOnlyOnceItsDirectoryIsForcedAndOutlivesTheDeletedOriginal() throws IOException {
        Path root = Files.createDirectories(dir.resolve("rec"));
        RecordingFileIO io = RecordingFileIO.under(root);
        try (FileChannel channel = io.open(root.resolve("m.tmp"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(filled(100, 5), 0);
            channel.force(true);
        }
        io.createLink(root.resolve("m"), root.resolve("m.tmp"));
        int beforeDirectoryForce = io.recording().mark();
        io.fsyncDirectory(root);
        io.deleteIfExists(root.resolve("m.tmp"));
        io.fsyncDirectory(root);
        PowerLossImages images = new PowerLossImages(io.recording());

        Path before = dir.resolve("before");
        images.materialiseForcedOnly(beforeDirectoryForce, before);
        Path after = dir.resolve("after");
        images.materialiseForcedOnly(images.size(), after);

        assertThat(before.resolve("m")).as("linked, but the directory was not forced yet").doesNotExist();
        assertThat(Files.readAllBytes(after.resolve("m"))).as("the link holds the node's forced bytes").hasSize(100).containsOnly(5);
        assertThat(after.resolve("m.tmp")).as("its first name was deleted, durably").doesNotExist();
    }
}
