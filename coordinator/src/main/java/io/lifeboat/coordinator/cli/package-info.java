/** The coordinator's picocli commands, registered by the launcher. */
package io.lifeboat.coordinator.cli;
