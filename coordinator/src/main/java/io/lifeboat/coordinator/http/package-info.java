/** The coordinator's small HTTP surface: Prometheus metrics and a JSON status, read from in-memory state only. */
package io.lifeboat.coordinator.http;
