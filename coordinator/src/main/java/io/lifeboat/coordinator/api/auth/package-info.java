/** Who may use the REST API: password hashes, users and roles, sessions with CSRF tokens, and login throttling. */
package io.lifeboat.coordinator.api.auth;
