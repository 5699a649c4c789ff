/**
 * The coordinator's HTTP(S) server: Prometheus metrics, the REST API, the web page, problem details for the rest; and
 * the one renderer of the status, guest and host views, from a snapshot taken on the event loop, on a worker pool.
 */
package io.lifeboat.coordinator.http;
