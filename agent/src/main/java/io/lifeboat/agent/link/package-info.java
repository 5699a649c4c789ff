/** The agent's links: to the coordinators and peer agents (hello, heartbeats, lease renewals, commands) and the durable epoch and incarnation. */
package io.lifeboat.agent.link;
