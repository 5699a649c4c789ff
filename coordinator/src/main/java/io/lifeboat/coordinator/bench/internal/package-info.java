/** What the scale benchmark needs inside: the site configuration, child processes, /proc and GC log readings. */
package io.lifeboat.coordinator.bench.internal;
