/** The {@link io.lifeboat.agent.hypervisor.HypervisorDriver} SPI every hypervisor driver implements, and its value types. */
package io.lifeboat.agent.hypervisor;
