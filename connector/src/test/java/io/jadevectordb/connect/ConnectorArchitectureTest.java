package io.jadevectordb.connect;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.connector.Task;
import org.junit.jupiter.api.Test;

/**
 * The connector's packages, read from its bytecode (what ships, tests left out):
 *
 * <pre>
 * plugin   VectorSinkConnector, VectorSinkTask    what Connect instantiates by name
 *   -> apply      record -> mutation -> buffered batch -> durable commit
 *     -> offsets  Kafka positions; checks on resume, restore and offset resets
 *     -> avro     the fast-path converter (apply reads its undecodable marker)
 *   -> config     VectorSinkConfig, ConfigDocs, SinkMetrics, SinkVersion: the keys, their
 *                 docs, the metrics and the version, read by every layer above them
 * </pre>
 *
 * The task and the connector, and the configuration, both keep the root package because their
 * names are public (shipped configs, {@code connector.class}, library users of
 * {@link VectorSinkConfig}); the rules below split the root package into those two layers by
 * what the classes are. The plugin sees the engine only through its public API, the root
 * package {@code io.jadevectordb.engine}, and carries no CLI or test code.
 */
class ConnectorArchitectureTest {

    private static final String CONNECT = "io.jadevectordb.connect";

    /** The plugin as it ships: the connector's main classes, not its tests. */
    private static final JavaClasses PLUGIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(CONNECT);

    /** The root package's classes that Connect instantiates (the connector, the task) and their nested classes. */
    private static final DescribedPredicate<JavaClass> ENTRY_POINTS = DescribedPredicate.describe(
            "the connector and the task", c -> CONNECT.equals(c.getPackageName()) && isEntryPoint(c));

    /** The rest of the root package: the configuration, its docs, the metrics, the version. */
    private static final DescribedPredicate<JavaClass> CONFIG = DescribedPredicate.describe(
            "the configuration, its docs, the metrics and the version",
            c -> CONNECT.equals(c.getPackageName()) && !isEntryPoint(c));

    private static boolean isEntryPoint(JavaClass c) {
        JavaClass outermost = c;
        while (outermost.getEnclosingClass().isPresent()) {
            outermost = outermost.getEnclosingClass().get();
        }
        return assignableTo(Connector.class).or(assignableTo(Task.class)).test(outermost);
    }

    /** The layers, one direction only: a layer uses only the layers below it. */
    static final ArchRule LAYERS = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("Plugin").definedBy(ENTRY_POINTS)
            .layer("Apply").definedBy(CONNECT + ".apply..")
            .layer("Offsets").definedBy(CONNECT + ".offsets..")
            .layer("Avro").definedBy(CONNECT + ".avro..")
            .layer("Config").definedBy(CONFIG)
            .layer("Settings").definedBy(CONNECT + ".settings..")
            .whereLayer("Plugin").mayNotBeAccessedByAnyLayer()
            .whereLayer("Apply").mayOnlyAccessLayers("Offsets", "Avro", "Config", "Settings")
            .whereLayer("Offsets").mayOnlyAccessLayers("Config", "Settings")
            .whereLayer("Avro").mayOnlyAccessLayers("Settings")
            .whereLayer("Config").mayOnlyAccessLayers("Settings")
            .whereLayer("Settings").mayNotAccessAnyLayer();

    /** The same slices, free of cycles (the layer rule names the direction; this one names any cycle whole). */
    static final ArchRule NO_CYCLES = slices().assignedFrom(new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            if (ENTRY_POINTS.test(c)) {
                return SliceIdentifier.of("plugin");
            }
            if (CONFIG.test(c)) {
                return SliceIdentifier.of("config");
            }
            String pkg = c.getPackageName();
            return pkg.startsWith(CONNECT + ".") ? SliceIdentifier.of(pkg.substring(CONNECT.length() + 1).split("\\.")[0])
                    : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "the connector's layers (plugin, config, and one per sub-package)";
        }
    }).should().beFreeOfCycles();

    /** The engine's inner packages are its own: the plugin uses its public API, the root package. */
    static final ArchRule ENGINE_API_ONLY = noClasses().that().resideInAPackage(CONNECT + "..")
            .should().dependOnClassesThat(DescribedPredicate.describe("reside in a sub-package of io.jadevectordb.engine",
                    c -> c.getPackageName().startsWith("io.jadevectordb.engine.")));

    static final ArchRule NO_CLI = noClasses().that().resideInAPackage(CONNECT + "..")
            .should().dependOnClassesThat().resideInAPackage("io.jadevectordb.cli..");

    /**
     * Test code: the test kit, the oracle and the test frameworks (test-scoped in
     * {@code connector/pom.xml}), and any class that comes from a test output directory or a
     * test jar (the engine's crash layer, Kafka's embedded clusters, the connector's own tests).
     */
    static final DescribedPredicate<JavaClass> TEST_ONLY = resideInAnyPackage("io.jadevectordb.testkit..",
            "io.jadevectordb.oracle..", "org.junit..", "org.assertj..", "com.tngtech.archunit..", "org.testcontainers..")
            .or(DescribedPredicate.describe("come from a test output directory or a test jar",
                    ConnectorArchitectureTest::fromTestLocation));

    static final ArchRule NO_TEST_CODE = noClasses().that().resideInAPackage(CONNECT + "..")
            .should().dependOnClassesThat(TEST_ONLY);

    private static boolean fromTestLocation(JavaClass c) {
        JavaClass base = c.getBaseComponentType();
        if (base.isPrimitive()) {
            return false;
        }
        URL location = ConnectorArchitectureTest.class.getClassLoader()
                .getResource(base.getName().replace('.', '/') + ".class");
        if (location == null) {
            return false;
        }
        String path = location.toString();
        return path.contains("/test-classes/") || path.matches(".*-tests?\\.jar!/.*");
    }

    @Test
    void layersGoOneDirection() {
        LAYERS.check(PLUGIN);
    }

    @Test
    void layersHaveNoCycle() {
        NO_CYCLES.check(PLUGIN);
    }

    @Test
    void pluginUsesTheEngineOnlyThroughItsRootPackage() {
        ENGINE_API_ONLY.check(PLUGIN);
    }

    @Test
    void pluginCarriesNoCliCode() {
        NO_CLI.check(PLUGIN);
    }

    @Test
    void pluginCarriesNoTestCode() {
        NO_TEST_CODE.check(PLUGIN);
    }

    /** The test-code rule has teeth: a test task of this module that records the engine's I/O breaks it. */
    @Test
    void testCodeRuleCatchesADependencyOnTheEnginesCrashLayer() {
        JavaClasses testTask = new ClassFileImporter().importClasses(InvariantCheckingSinkTask.class);
        assertThat(NO_TEST_CODE.evaluate(testTask).hasViolation()).isTrue();
    }

    @Test
    void importsThePluginsClasses() {
        // Rules over an empty import pass vacuously: make sure the plugin's layers are all there.
        assertThat(PLUGIN.contain(VectorSinkTask.class.getName())).isTrue();
        assertThat(PLUGIN.stream().map(JavaClass::getPackageName).distinct())
                .contains(CONNECT, CONNECT + ".apply", CONNECT + ".offsets", CONNECT + ".avro");
    }
}
