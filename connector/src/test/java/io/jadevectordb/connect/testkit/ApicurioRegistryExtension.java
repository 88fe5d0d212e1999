package io.jadevectordb.connect.testkit;

import io.jadevectordb.testkit.ApicurioRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension: one {@link ApicurioRegistry} process shared by every test class of the
 * test run that registers this extension, stopped when the run ends (JUnit closes
 * {@link AutoCloseable} values of the root store). Tests must not stop it; a test that needs to
 * stop a registry starts its own with {@link ApicurioRegistry#start()}.
 *
 * <pre>
 * &#64;RegisterExtension
 * static final ApicurioRegistryExtension REGISTRY = new ApicurioRegistryExtension();
 * </pre>
 */
public final class ApicurioRegistryExtension implements BeforeAllCallback {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(ApicurioRegistryExtension.class);

    private ApicurioRegistry registry;

    @Override
    public void beforeAll(ExtensionContext context) {
        registry = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(ApicurioRegistry.class, key -> start(), ApicurioRegistry.class);
    }

    private static ApicurioRegistry start() {
        try {
            return ApicurioRegistry.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The running registry; valid from beforeAll on. */
    public ApicurioRegistry registry() {
        if (registry == null) {
            throw new IllegalStateException("the registry is started in beforeAll; use it from tests only");
        }
        return registry;
    }
}
