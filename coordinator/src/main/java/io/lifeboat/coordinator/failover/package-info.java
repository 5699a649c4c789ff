/** The failover planner: from a lost host to its guests verified on the standby, as journal records and commands. */
package io.lifeboat.coordinator.failover;
