/** The coordinator's state (hosts, guests, plans, restore points, failovers), changed only by replaying journal records. */
package io.lifeboat.coordinator.state;
