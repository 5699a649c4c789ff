/** The coordinator's single-threaded decision core: envelopes and ticks in, journal records, commands and replies out. */
package io.lifeboat.coordinator.core;
