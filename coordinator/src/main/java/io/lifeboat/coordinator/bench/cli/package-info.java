/** The {@code bench scale} command. */
package io.lifeboat.coordinator.bench.cli;
