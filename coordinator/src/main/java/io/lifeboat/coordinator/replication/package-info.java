/** Replication scheduling: when to ask a guest's primary for a backup to its standby's store, per RPO. */
package io.lifeboat.coordinator.replication;
