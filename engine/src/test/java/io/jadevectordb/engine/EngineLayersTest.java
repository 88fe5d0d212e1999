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
 *   metadata (CBOR metadata as JSON, filters on it): used by the store only, uses no other layer
 * </pre>
 *
 * The root package holds two layers because its public names are fixed (the connector, the CLI
 * and library users import them): the store on top, and the vocabulary every layer speaks. Format
 * 1 ({@code v1}) is a read-only reader; migration (root) turns a format 1 file into format 2.
 */
class EngineLayersTest {

    private static final String ROOT = "io.jadevectordb.engine";

    /** The store: the entry points and what runs them. Nothing inside the engine calls up into it. */
    private static final DescribedPredicate<JavaClass> STORE = belongToAnyOf(VectorStore.class, Database.class,
            StoreReader.class, OpenShards.class, Flusher.class, Compactor.class, StoreOwner.class)
            .as("the store");

    /** Migration of a format 1 file, run when a shard is opened for writing or by {@code jvdb migrate}. */
    private static final DescribedPredicate<JavaClass> MIGRATION = belongToAnyOf(ShardMigration.class,
            ShardMigrator.class).as("migration");

    private static final DescribedPredicate<JavaClass> API = resideInAPackage(ROOT).and(not(STORE))
            .and(not(MIGRATION)).as("the public vocabulary");

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
                .layer("Migration").definedBy(MIGRATION)
                .layer("FormatOne").definedBy(ROOT + ".v1..")
                .layer("Metadata").definedBy(ROOT + ".metadata..")
                .whereLayer("Store").mayNotBeAccessedByAnyLayer()
                .whereLayer("Verify").mayOnlyBeAccessedByLayers("Store")
                .whereLayer("Migration").mayOnlyBeAccessedByLayers("Store", "Shard")
                .whereLayer("Shard").mayOnlyBeAccessedByLayers("Store", "Verify", "Migration")
                .whereLayer("Index").mayOnlyBeAccessedByLayers("Store", "Verify", "Shard", "Migration")
                .whereLayer("Format").mayOnlyBeAccessedByLayers("Store", "Verify", "Shard", "Index", "Migration", "FormatOne")
                .whereLayer("FormatOne").mayOnlyBeAccessedByLayers("Store", "Verify", "Shard", "Format", "Migration")
                .whereLayer("Api").mayOnlyAccessLayers("Io")
                // Readers of the shards see metadata as bytes; only the store's read API decodes it.
                .whereLayer("Metadata").mayOnlyBeAccessedByLayers("Store")
                .whereLayer("Metadata").mayNotAccessAnyLayer()
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
