/** The coordinator's YAML configuration: node, listener, journal, secrets, hosts and boxes, timers, plans. */
package io.lifeboat.coordinator.config;
