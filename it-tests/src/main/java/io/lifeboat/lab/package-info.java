/** The lab: containerised hypervisor hosts (libvirtd + QEMU + sshd), a bootable test guest, and their JUnit 5 integration. */
package io.lifeboat.lab;
