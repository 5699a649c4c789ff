/** Leases counted on the agent's monotonic clock, the self-fencing decision, and the feed of the host's fence process. */
package io.lifeboat.agent.fence;
