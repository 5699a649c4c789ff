/** The REST API's internals: problem details, JSON views of the state and of lifeboat.v1 events, the event log. */
package io.lifeboat.coordinator.api.internal;
