/** The coordinator's public types: the monotonic clock its decisions run on and the entry points of its parts. */
package io.lifeboat.coordinator;
