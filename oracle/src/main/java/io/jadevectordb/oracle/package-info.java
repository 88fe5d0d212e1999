/**
 * The test oracle: the state a sequence of vector mutations must leave, computed without the
 * engine, for every layer's tests to compare the engine's contents with.
 */
package io.jadevectordb.oracle;
