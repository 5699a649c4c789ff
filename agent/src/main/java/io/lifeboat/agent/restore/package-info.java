/** The standby side of recovery: turning restore points of the agent's own store into disk files its hypervisor runs. */
package io.lifeboat.agent.restore;
