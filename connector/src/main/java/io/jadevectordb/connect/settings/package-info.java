/**
 * Settings that the sink's configuration and the fast-path converter's configuration share
 * (same keys, same values, same validation), below both layers.
 */
package io.jadevectordb.connect.settings;
