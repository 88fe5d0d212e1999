package io.jadevectordb.connect.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension: one {@link ApicurioRegistry} process for all tests of a class.
 *
 * <pre>
 * &#64;RegisterExtension
 * static final ApicurioRegistryExtension REGISTRY = new ApicurioRegistryExtension();
 * </pre>
 */
public final class ApicurioRegistryExtension implements BeforeAllCallback, AfterAllCallback {

    private ApicurioRegistry registry;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        registry = ApicurioRegistry.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (registry != null) {
            registry.close();
            registry = null;
        }
    }

    /** The running registry; valid between beforeAll and afterAll. */
    public ApicurioRegistry registry() {
        if (registry == null) {
            throw new IllegalStateException("the registry runs only while the test class runs");
        }
        return registry;
    }
}
