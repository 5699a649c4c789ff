package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func TestDisksFollowSnapshotsWithDeltaFilesAndParents(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "web"), 0755); err != nil {
		t.Fatal(err)
	}
	s := newSnapshotDisks("datastore1", root)
	disk := &types.VirtualDisk{
		VirtualDevice: types.VirtualDevice{Key: 2000, Backing: &types.VirtualDiskFlatVer2BackingInfo{
			VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: "[datastore1] web/web.vmdk"},
			DiskMode:                     "persistent",
		}},
		CapacityInKB: 4096,
	}
	vm := &mo.VirtualMachine{Config: &types.VirtualMachineConfigInfo{Hardware: types.VirtualHardware{Device: []types.BaseVirtualDevice{disk}}}}
	s1 := types.ManagedObjectReference{Type: "VirtualMachineSnapshot", Value: "s1"}
	s2 := types.ManagedObjectReference{Type: "VirtualMachineSnapshot", Value: "s2"}
	changed := []types.PropertyChange{{Name: "snapshot.currentSnapshot"}}

	vm.Snapshot = &types.VirtualMachineSnapshotInfo{CurrentSnapshot: &s2, RootSnapshotList: []types.VirtualMachineSnapshotTree{
		{Snapshot: s1, ChildSnapshotList: []types.VirtualMachineSnapshotTree{{Snapshot: s2}}},
	}}
	s.UpdateObject(vm, changed)
	b := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
	if b.FileName != "[datastore1] web/web-000002.vmdk" || b.Parent == nil || b.Parent.FileName != "[datastore1] web/web-000001.vmdk" ||
		b.Parent.Parent == nil || b.Parent.Parent.FileName != "[datastore1] web/web.vmdk" || b.Parent.Parent.Parent != nil {
		t.Fatalf("chain at depth 2: %+v", b)
	}
	for _, f := range []string{"web-000001.vmdk", "web-000001-delta.vmdk", "web-000002.vmdk", "web-000002-delta.vmdk"} {
		if _, err := os.Stat(filepath.Join(root, "web", f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}

	vm.Snapshot = nil
	s.UpdateObject(vm, []types.PropertyChange{{Name: "snapshot"}})
	b = disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
	if b.FileName != "[datastore1] web/web.vmdk" || b.Parent != nil {
		t.Fatalf("chain without snapshots: %+v", b)
	}
	if _, err := os.Stat(filepath.Join(root, "web", "web-000001.vmdk")); !os.IsNotExist(err) {
		t.Errorf("web-000001.vmdk still there: %v", err)
	}
}
