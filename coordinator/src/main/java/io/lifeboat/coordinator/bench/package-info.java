/** The {@code bench scale} benchmark: one coordinator process against many simulated agents in another process. */
package io.lifeboat.coordinator.bench;
