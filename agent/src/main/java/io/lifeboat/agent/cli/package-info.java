/** picocli commands of the agent module, registered by the launcher. */
package io.lifeboat.agent.cli;
