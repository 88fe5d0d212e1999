package io.jadevectordb.engine.metadata;

/**
 * A metadata document that is not one well-formed CBOR data item (RFC 8949): truncated, with
 * bytes left over after the item, an invalid initial byte, invalid UTF-8 in a text string, a
 * map key that is neither a text string nor an integer. The message names the byte offset
 * within the document where decoding failed.
 *
 * <p>Unchecked: it is thrown from inside scans, whose visitors cannot throw checked exceptions.
 */
public final class MalformedMetadataException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long offset;

    /**
     * @param reason what is wrong, without the offset (it is appended)
     * @param offset byte offset within the document
     */
    public MalformedMetadataException(String reason, long offset) {
        super("metadata is not a well-formed CBOR document: " + reason + " at byte offset " + offset);
        this.offset = offset;
    }

    /** The same fault, the message prefixed with where the document was read (database, shard, id). */
    private MalformedMetadataException(String where, MalformedMetadataException cause) {
        super(where + ": " + cause.getMessage(), cause);
        this.offset = cause.offset;
    }

    /** This fault with {@code where} (for example {@code "vector 'doc-1' of shard articles/vectors-0.jvdb"}) in front. */
    public MalformedMetadataException in(String where) {
        return new MalformedMetadataException(where, this);
    }

    /** Byte offset within the document where decoding failed. */
    public long offset() {
        return offset;
    }
}
