/** The libvirt driver (libvirt-java over JNA): domain XML written and parsed safely, snapshots by external overlays and block commit. */
package io.lifeboat.agent.hypervisor.libvirt;
