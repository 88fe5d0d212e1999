package io.jadevectordb.cli;

import java.io.PrintWriter;

/**
 * A one-line progress bar on stderr for long operations, redrawn in place with a carriage
 * return. Drawn only when a terminal is attached; piped or redirected, it writes nothing, so
 * scripts see only results and errors. It redraws when the whole percentage changes, so a
 * long scan costs at most a hundred writes.
 *
 * <p>Public for the quickstart, which shows its streaming and committing the same way.
 */
public final class Progress implements AutoCloseable {

    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean enabled;
    private final String label;
    private final long total;
    private long done;
    private int drawnPercent = -1;
    private boolean drawn;

    /**
     * @param err     where the bar goes
     * @param enabled draw at all (a terminal is attached)
     * @param label   what is being done, shown before the bar
     * @param total   units of work, or 0 when unknown (then only the count is shown)
     */
    public Progress(PrintWriter err, boolean enabled, String label, long total) {
        this.err = err;
        this.enabled = enabled;
        this.label = label;
        this.total = Math.max(0, total);
        draw(false);
    }

    /** {@code units} more are done. */
    public void advance(long units) {
        done += units;
        draw(false);
    }

    /** {@code done} units are done in all (for work whose progress is read, not counted). */
    public void update(long done) {
        this.done = done;
        draw(false);
    }

    private void draw(boolean last) {
        if (!enabled) {
            return;
        }
        int percent = total == 0 ? (last ? 100 : 0) : (int) Math.min(100, done * 100 / total);
        if (percent == drawnPercent && !last && total != 0) {
            return;
        }
        if (total == 0 && !last && drawn && done % 1000 != 0) {
            return;
        }
        drawnPercent = percent;
        drawn = true;
        int filled = percent * WIDTH / 100;
        err.print("\r" + label + " [" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] " + String.format("%3d%%", percent)
                + " " + done + (total == 0 ? "" : "/" + total));
        err.flush();
    }

    /** Draws the final state and ends the line, so whatever follows starts on a fresh one. */
    @Override
    public void close() {
        if (enabled) {
            draw(true);
            err.println();
            err.flush();
        }
    }
}
