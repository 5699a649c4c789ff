/** Deterministic simulation of a site (hosts, agents, coordinator, network) on one fake clock, with invariant checks. */
package io.lifeboat.coordinator.sim;
