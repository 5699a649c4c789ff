/** The content-addressed restore-point store: chunks in packs, manifests, retention, garbage collection, scrub. */
package io.lifeboat.storage.store;
