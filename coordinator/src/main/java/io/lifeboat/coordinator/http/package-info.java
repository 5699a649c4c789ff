/** The coordinator's HTTP(S) server: Prometheus metrics, the REST API, the web page, problem details for the rest. */
package io.lifeboat.coordinator.http;
