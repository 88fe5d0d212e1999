package io.jadevectordb.engine.metadata;

/**
 * A metadata filter that cannot be used: not JSON, or not of the shape {@link MetadataFilter}
 * accepts. The message names the place in the filter (for example {@code must[1].range.gte}),
 * what is there, and how to write it instead.
 */
public final class InvalidFilterException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String path;

    /**
     * @param path    where in the filter, {@code ""} for the whole filter
     * @param problem what is wrong and the fix
     */
    InvalidFilterException(String path, String problem) {
        super("invalid filter: " + (path.isEmpty() ? "" : path + ": ") + problem);
        this.path = path;
    }

    /** Where in the filter the problem is ({@code must[1].range.gte}); empty for the filter as a whole. */
    public String path() {
        return path;
    }
}
