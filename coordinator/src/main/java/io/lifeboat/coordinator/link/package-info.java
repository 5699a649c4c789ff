/** Agent links: the Hello check (version, identity, HMAC credentials, incarnation) and the Vert.x TCP listener. */
package io.lifeboat.coordinator.link;
