/** Failure detection: heartbeats, leases counted on the coordinator's monotonic clock, host states and their timers. */
package io.lifeboat.coordinator.health;
