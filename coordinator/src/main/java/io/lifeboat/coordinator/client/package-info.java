/** The command-line client of the coordinator's REST API: {@code status}, {@code events} and {@code failover}. */
package io.lifeboat.coordinator.client;
