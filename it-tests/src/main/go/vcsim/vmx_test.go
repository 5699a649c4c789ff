package main

import (
	"os"
	"testing"

	"github.com/vmware/govmomi/vim25/types"
)

const webVmx = `.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "7"
displayName = "web"
guestOS = "other26xlinux"
memsize = "256"
uuid.bios = "56 4d 5e 2c 14 3a 0c 8c-5c 6a 8f 1b 41 53 2a 4e"
scsi0.present = "TRUE"
scsi0.virtualDev = "lsilogic"
scsi0:0.present = "TRUE"
scsi0:0.fileName = "web.vmdk"
ide1:0.present = "TRUE"
ide1:0.fileName = "/iso/boot.iso"
ide1:0.deviceType = "cdrom-image"
ide0:1.fileName = "data.vmdk"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "e1000"
ethernet0.addressType = "static"
ethernet0.address = "00:50:56:00:00:2A"
ethernet1.present = "FALSE"
`

func TestParseVmxReadsIdentityHardwareDisksAndNics(t *testing.T) {
	v := parseVmx([]byte(webVmx))
	if got := v.guestID(); got != "other26xLinuxGuest" {
		t.Errorf("guestID: %s", got)
	}
	if got := v.hardwareVersion(); got != "vmx-07" {
		t.Errorf("hardwareVersion: %s", got)
	}
	if got := v.biosUUID(); got != "564d5e2c-143a-0c8c-5c6a-8f1b41532a4e" {
		t.Errorf("biosUUID: %s", got)
	}
	disks := v.disks()
	if len(disks) != 2 || disks[0] != (vmxDisk{"ide", 0, 1, "data.vmdk"}) || disks[1] != (vmxDisk{"scsi", 0, 0, "web.vmdk"}) {
		t.Errorf("disks: %+v", disks)
	}
	if c := v.scsiControllers(); len(c) != 1 || c[0] != "lsilogic" {
		t.Errorf("scsiControllers: %+v", c)
	}
	nics := v.nics()
	if len(nics) != 1 || nics[0].mac != "00:50:56:00:00:2a" || nics[0].addressType != "manual" || nics[0].virtualDev != "e1000" {
		t.Errorf("nics: %+v", nics)
	}
}

func TestGuestIDFallsBackToOtherGuest(t *testing.T) {
	if got := parseVmx([]byte(`guestOS = "plan9"`)).guestID(); got != "otherGuest" {
		t.Errorf("guestID: %s", got)
	}
	if got := parseVmx([]byte(`guestOS = "otherlinux"`)).guestID(); got != "otherLinuxGuest" {
		t.Errorf("guestID: %s", got)
	}
	if got := parseVmx([]byte(`guestOS = "winNetStandard"`)).guestID(); got != "winNetStandardGuest" {
		t.Errorf("guestID: %s", got)
	}
}

func TestDiskCapacityIsReadOnlyInsideTheDatastore(t *testing.T) {
	root := t.TempDir()
	vmDir := root + "/web"
	if err := os.MkdirAll(vmDir, 0755); err != nil {
		t.Fatal(err)
	}
	descriptor := "# Disk DescriptorFile\nRW 8192 FLAT \"web-flat.vmdk\" 0\n"
	if err := os.WriteFile(vmDir+"/web.vmdk", []byte(descriptor), 0644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root+"/../outside.vmdk", []byte(descriptor), 0644); err != nil {
		t.Fatal(err)
	}
	l := newVmxLoader("datastore1", root, types.ManagedObjectReference{Type: "Datastore", Value: "ds"})
	inside := l.disk(0, vmxDisk{"ide", 0, 0, "web.vmdk"}, "datastore1", "web", vmDir).(*types.VirtualDisk)
	if inside.CapacityInKB != 4096 {
		t.Errorf("inside: capacity %d KB", inside.CapacityInKB)
	}
	outside := l.disk(1, vmxDisk{"ide", 0, 1, "../../outside.vmdk"}, "datastore1", "web", vmDir).(*types.VirtualDisk)
	if outside.CapacityInKB != 0 {
		t.Errorf("outside: capacity %d KB, want 0", outside.CapacityInKB)
	}
}
