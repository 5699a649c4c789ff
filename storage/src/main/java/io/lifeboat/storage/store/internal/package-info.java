/** Store internals: pack files, the chunk index, atomic file writes and the store lock. */
package io.lifeboat.storage.store.internal;
