/** The coordinator's Prometheus metrics (Micrometer): replication, heartbeats, restore point age, failovers, drills. */
package io.lifeboat.coordinator.metrics;
