/**
 * The lifeboat.v1 protocol toolkit: version check, event-bus addresses and codec, and TCP framing of envelopes.
 */
package io.lifeboat.protocol;
