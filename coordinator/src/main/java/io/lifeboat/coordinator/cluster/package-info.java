/** Coordinator clustering: Hazelcast membership, FencedLock leadership and epochs, journal replication, and the agent listener's TLS. */
package io.lifeboat.coordinator.cluster;
