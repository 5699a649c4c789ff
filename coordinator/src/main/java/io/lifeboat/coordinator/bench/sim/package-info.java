/** Simulated agents for the scale benchmark: many real protocol links, few event loops, a stdin control channel. */
package io.lifeboat.coordinator.bench.sim;
