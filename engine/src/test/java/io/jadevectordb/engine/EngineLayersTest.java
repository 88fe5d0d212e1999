package io.jadevectordb.engine;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's packages form one layered graph (docs/engine.md opens with the map):
 *
 * <pre>
 *   store (root: VectorStore, Database, StoreReader and their threads)
 *     -> verify -> shard -> index -> format -> io
 *   api (root: Mutation, StoreOptions, SourcePartition, names, stats, exceptions): used by every layer
 * </pre>
 *
 * The root package holds two layers because its public names are fixed (the connector, the CLI
 * and library users import them): the store on top, and the vocabulary every layer speaks. Format
 * 1 (still in the root package, read only by migration) is its own layer until it moves out.
 */
class EngineLayersTest {

    private static final String ROOT = "io.jadevectordb.engine";

    /** The store: the entry points and what runs them. Nothing inside the engine calls up into it. */
    private static final DescribedPredicate<JavaClass> STORE = belongToAnyOf(VectorStore.class, Database.class,
            StoreReader.class, OpenShards.class, Flusher.class, Compactor.class, StoreOwner.class)
            .as("the store");

    /** Format 1, until it is a read-only reader of its own package. */
    private static final DescribedPredicate<JavaClass> FORMAT_ONE = belongToAnyOf(Shard.class, ShardIndex.class,
            ShardFormat.class, Checkpoint.class, ShardRecovery.class, ShardSnapshot.class, IndexEntries.class,
            PendingEntries.class, ShardMigration.class, ShardMigrator.class).as("format 1");

    private static final DescribedPredicate<JavaClass> API = resideInAPackage(ROOT).and(not(STORE))
            .and(not(FORMAT_ONE)).as("the public vocabulary");

    private static JavaClasses engine;

    @BeforeAll
    static void importEngine() {
        engine = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
    }

    @Test
    void layersOnlyCallDownward() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Store").definedBy(STORE)
                .layer("Api").definedBy(API)
                .layer("Verify").definedBy(ROOT + ".verify..")
                .layer("Shard").definedBy(ROOT + ".shard..")
                .layer("Index").definedBy(ROOT + ".index..")
                .layer("Format").definedBy(ROOT + ".format..")
                .layer("Io").definedBy(ROOT + ".io..")
                .optionalLayer("FormatOne").definedBy(FORMAT_ONE)
                .whereLayer("Store").mayNotBeAccessedByAnyLayer()
                .whereLayer("Verify").mayOnlyBeAccessedByLayers("Store")
                .whereLayer("Shard").mayOnlyBeAccessedByLayers("Store", "Verify", "FormatOne")
                .whereLayer("Index").mayOnlyBeAccessedByLayers("Store", "Verify", "Shard", "FormatOne")
                .whereLayer("Format").mayOnlyBeAccessedByLayers("Store", "Verify", "Shard", "Index", "FormatOne")
                .whereLayer("Api").mayOnlyAccessLayers("Io")
                .check(engine);
    }

    @Test
    void innerPackagesHaveNoCycle() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(engine);
    }

    @Test
    void engineNeverImportsKafka() {
        noClasses().should().dependOnClassesThat().resideInAPackage("org.apache.kafka..").check(engine);
    }
}
