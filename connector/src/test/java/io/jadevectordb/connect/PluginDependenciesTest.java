package io.jadevectordb.connect;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the plugin's own classes may use: the engine only through its public surface (the root
 * API and the offline tools' {@code verify} package), and never the CLI, the test kit, the
 * oracle or a test library, none of which the plugin archive ships.
 */
class PluginDependenciesTest {

    private static JavaClasses plugin;

    @BeforeAll
    static void importPlugin() {
        plugin = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.jadevectordb.connect");
    }

    @Test
    void usesTheEngineOnlyThroughItsPublicSurface() {
        noClasses().should().dependOnClassesThat(resideInAPackage("io.jadevectordb.engine..")
                        .and(not(resideInAnyPackage("io.jadevectordb.engine", "io.jadevectordb.engine.verify"))))
                .because("the engine's inner packages (shard, index, format, io, ...) are not its API")
                .check(plugin);
    }

    @Test
    void carriesNoCliOrTestKit() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.jadevectordb.cli..",
                        "io.jadevectordb.testkit..", "io.jadevectordb.oracle..", "io.jadevectordb.engine.crash..",
                        "org.junit..", "org.assertj..", "net.jqwik..", "com.tngtech.archunit..")
                .because("the plugin archive ships the connector and the engine only")
                .check(plugin);
    }
}
