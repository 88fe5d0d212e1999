package io.jadevectordb.testkit;

import java.io.PrintStream;

/**
 * A one-line progress bar on a terminal; nothing when output is piped (a log or CI), apart
 * from the final line.
 */
public final class Progress {

    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private long lastDraw;

    public Progress(PrintStream out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.terminal = System.console() != null;
    }

    /** Shows {@code done} of the total, at most ten times a second. */
    public void update(long done) {
        long now = System.nanoTime();
        if (!terminal || now - lastDraw < 100_000_000L && done < total) {
            return;
        }
        lastDraw = now;
        int width = 30;
        int filled = (int) (width * Math.min(done, total) / total);
        out.printf("\r  %s [%s%s] %,d/%,d (%,.0f/s)", label, "#".repeat(filled), " ".repeat(width - filled), done, total, rate(done));
        out.flush();
    }

    /** Ends the line with a summary. */
    public void done(long done) {
        if (terminal) {
            out.print("\r\033[K");
        }
        out.printf("  %s: %,d in %.1f s (%,.0f/s)%n", label, done, seconds(), rate(done));
    }

    private double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    private double rate(long done) {
        double s = seconds();
        return s > 0 ? done / s : 0;
    }
}
