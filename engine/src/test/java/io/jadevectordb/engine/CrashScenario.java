package io.jadevectordb.engine;

import java.util.Arrays;
import java.util.Random;

/**
 * The bytes a power loss could leave of one shard file written in place: the file as of its
 * last force plus an arbitrary subset of the pages written since, each whole, torn at sector
 * granularity, or not at all.
 */
public final class CrashScenario {

    static final int PAGE = 4096;
    static final int SECTOR = 512;

    private CrashScenario() {
    }

    /**
     * An image a power loss could leave of any file: {@code committed} as of its last force,
     * {@code dirty} as the page cache held it when the power went. Page 0 holds the
     * checkpoint, which a commit writes only after forcing every other page.
     */
    public static byte[] crashImage(byte[] committed, byte[] dirty, boolean crashDuringCommit, Random random) {
        byte[] image = Arrays.copyOf(committed, dirty.length);
        boolean headerLands = crashDuringCommit && random.nextInt(3) == 0;
        for (int page = 0; page * PAGE < dirty.length; page++) {
            int from = page * PAGE;
            int to = Math.min(dirty.length, from + PAGE);
            if (Arrays.equals(image, from, to, dirty, from, to)) {
                continue;
            }
            int choice = random.nextInt(4);
            if (page == 0) {
                choice = headerLands ? random.nextInt(2) : 3;
            } else if (headerLands) {
                choice = 0;
            }
            switch (choice) {
                case 0 -> System.arraycopy(dirty, from, image, from, to - from);
                case 1 -> {
                    for (int sector = from; sector < to; sector += SECTOR) {
                        if (random.nextBoolean()) {
                            System.arraycopy(dirty, sector, image, sector, Math.min(SECTOR, to - sector));
                        }
                    }
                }
                default -> {
                    // the page never reached the disk
                }
            }
        }
        return image;
    }
}
