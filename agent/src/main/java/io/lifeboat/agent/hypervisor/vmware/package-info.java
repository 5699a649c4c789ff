/** The VMware driver: the VI API through vijava 5.1 (VMware Server 2, ESXi) and datastore files over SSH/SFTP. */
package io.lifeboat.agent.hypervisor.vmware;
