/** The coordinator's durable, CRC32C-framed, append-only journal with snapshots, replayed at start. */
package io.lifeboat.coordinator.journal;
