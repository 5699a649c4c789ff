/** Command-line tools of the REST API: hash-password for the config's users. */
package io.lifeboat.coordinator.api.cli;
