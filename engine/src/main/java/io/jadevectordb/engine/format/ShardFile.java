package io.jadevectordb.engine.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.jadevectordb.engine.io.ShardFiles;
import io.jadevectordb.engine.v1.FormatOneHeader;

/**
 * What the tools need to know of a shard file before opening it as its writer: its format
 * version, the dimension and id limit to open it with, and whether its newest checkpoint is
 * clean. Read from the header page alone, for format 1 and format 2 files.
 *
 * @param version    1 or 2
 * @param dimension  vector dimension recorded in the file
 * @param maxIdBytes longest id the file accepts
 * @param clean      the newest checkpoint says the last writer closed it cleanly
 */
public record ShardFile(int version, int dimension, int maxIdBytes, boolean clean) {

    public static ShardFile read(String name, Path file) throws IOException {
        byte[] page = ShardFiles.readPrefix(file, ShardFormat.PAGE_SIZE);
        if (ShardFormat.version(file, page) == 1) {
            FormatOneHeader v1 = FormatOneHeader.decode(name, file, page, Files.size(file));
            return new ShardFile(1, v1.dimension(), v1.maxIdBytes(), v1.checkpoint().clean());
        }
        ShardFormat format = ShardFormat.decode(file, page);
        return new ShardFile(ShardFormat.VERSION, format.dimension(), format.maxIdBytes(), Checkpoint.newest(name, page).clean());
    }
}
