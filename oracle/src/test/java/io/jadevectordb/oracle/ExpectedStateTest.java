package io.jadevectordb.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The sink's per-id semantics, as every layer's tests rely on them. */
class ExpectedStateTest {

    private static final float[] A = {1f, 2f};
    private static final float[] B = {3f, 4f};

    @Test
    void storeUpsertsAndUpdateReplacesOnlyALiveId() {
        ExpectedDatabase db = new ExpectedDatabase();
        db.store("x", A);
        db.store("x", B);
        assertThat(db.live().get("x")).containsExactly(B);

        assertThat(db.update("x", A)).isTrue();
        assertThat(db.live().get("x")).containsExactly(A);
        assertThat(db.update("never", B)).isFalse();
        assertThat(db.live()).containsOnlyKeys("x");
    }

    @Test
    void updateOfADeletedIdLeavesItDeleted() {
        ExpectedDatabase db = new ExpectedDatabase();
        db.store("x", A);
        db.delete("x");

        assertThat(db.update("x", B)).isFalse();
        assertThat(db.live()).isEmpty();
        assertThat(db.deleted()).containsExactly("x");
    }

    @Test
    void deleteCountsOnlyLiveIdsAsDeletedUntilCompactionOrARestore() {
        ExpectedDatabase db = new ExpectedDatabase();
        db.store("x", A);
        db.store("y", A);

        assertThat(db.delete("never")).isFalse();
        assertThat(db.delete("x")).isTrue();
        assertThat(db.delete("x")).isFalse();
        db.delete("y");
        db.store("y", B);
        assertThat(db.deleted()).containsExactly("x");
        db.compact();
        assertThat(db.deleted()).isEmpty();
        assertThat(db.live()).containsOnlyKeys("y");
    }

    @Test
    void keepsACopyOfTheVectorItWasGiven() {
        ExpectedDatabase db = new ExpectedDatabase();
        float[] v = A.clone();
        db.store("x", v);
        v[0] = 99f;
        assertThat(db.live().get("x")).containsExactly(A);
    }

    @Test
    void onlyAStoreCreatesADatabase() {
        ExpectedState state = new ExpectedState();
        assertThat(state.update("ghost-db", "x", A)).isFalse();
        assertThat(state.delete("ghost-db", "x")).isFalse();
        assertThat(state.databases()).isEmpty();

        state.store("b", "x", A);
        state.store("a", "x", B);
        state.store("a", "y", B);
        assertThat(state.databases()).containsOnlyKeys("a", "b");
        assertThat(state.contains("a", "y")).isTrue();
        assertThat(state.contains("b", "y")).isFalse();
        assertThat(state.liveCount()).isEqualTo(3);
    }
}
