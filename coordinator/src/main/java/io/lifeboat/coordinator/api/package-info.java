/** The coordinator's REST API under /api/v1: sessions, resources, events, audited admin actions, OpenAPI. */
package io.lifeboat.coordinator.api;
