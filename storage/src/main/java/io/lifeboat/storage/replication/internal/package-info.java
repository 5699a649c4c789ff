/** Wire protocol internals: frame types and parsing, the challenge-response handshake, per-connection state. */
package io.lifeboat.storage.replication.internal;
