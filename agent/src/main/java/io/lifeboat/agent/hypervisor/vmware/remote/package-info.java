/** Read-only java.nio file systems over a remote host's files (SFTP), so the storage engine reads remote disks grain by grain. */
package io.lifeboat.agent.hypervisor.vmware.remote;
