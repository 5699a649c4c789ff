/**
 * The coordinator's state (hosts, guests, plans, restore points, failovers, and the recent audit and drill history a
 * snapshot keeps), changed only by replaying journal records.
 */
package io.lifeboat.coordinator.state;
