package io.jadevectordb.engine;

/**
 * A live vector as read back, with the metadata stored beside it.
 *
 * @param id       the vector id
 * @param vector   the vector (a copy)
 * @param metadata the opaque metadata document the last STORE or UPDATE set, or null for none (a copy)
 */
public record StoredVector(String id, float[] vector, byte[] metadata) {
}
