package io.jadevectordb.cli;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The CLI uses the engine only through its public surface: the root API, the offline tools
 * ({@code verify}) and metadata as JSON and filters ({@code metadata}).
 */
class CliDependenciesTest {

    @Test
    void usesTheEngineOnlyThroughItsPublicSurface() {
        noClasses().should().dependOnClassesThat(resideInAPackage("io.jadevectordb.engine..")
                        .and(not(resideInAnyPackage("io.jadevectordb.engine", "io.jadevectordb.engine.verify",
                                "io.jadevectordb.engine.metadata"))))
                .because("the engine's inner packages (shard, index, format, io, ...) are not its API")
                .check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("io.jadevectordb.cli"));
    }
}
