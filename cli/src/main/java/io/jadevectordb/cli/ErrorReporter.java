package io.jadevectordb.cli;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import io.jadevectordb.engine.DatabaseNotFoundException;
import io.jadevectordb.engine.InvalidMutationException;
import io.jadevectordb.engine.ShardLockedException;

/**
 * Turns an exception that ends a command into one line on stderr and an exit code: the
 * engine's messages already name the file, entry or setting at fault and the fix.
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ErrorReporter.class);

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        Throwable cause = e instanceof UncheckedIOException ? e.getCause() : e;
        int code = exitCode(cause);
        String message = cause.getMessage();
        if (cause instanceof FileSystemException) {
            // Its message lists file and reason without saying how they relate; say it plainly.
            FileSystemException fs = (FileSystemException) cause;
            String reason = fs.getReason() != null ? fs.getReason()
                    : cause instanceof NoSuchFileException ? "no such file or directory"
                    : cause instanceof FileAlreadyExistsException ? "already exists"
                    : cause instanceof AccessDeniedException ? "permission denied" : cause.getClass().getSimpleName();
            message = fs.getFile() + ": " + reason;
        }
        commandLine.getErr().println("jvdb " + commandLine.getCommandName() + ": " + message);
        commandLine.getErr().flush();
        log.debug("{} failed", commandLine.getCommandName(), cause);
        return code;
    }

    static int exitCode(Throwable e) {
        if (e instanceof DatabaseNotFoundException || e instanceof NoSuchFileException) {
            return ExitCodes.NOT_FOUND;
        }
        if (e instanceof ShardLockedException) {
            return ExitCodes.LOCKED;
        }
        if (e instanceof InvalidMutationException || e instanceof IllegalArgumentException
                || e instanceof FileAlreadyExistsException) {
            return ExitCodes.USAGE;
        }
        return ExitCodes.FAILED; // I/O errors, damaged files, and anything unexpected
    }
}
