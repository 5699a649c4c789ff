package main

import (
	"fmt"
	"io/ioutil"
	"log"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// snapshotDisks makes a VM's disks follow its snapshots as on a real ESX host: each snapshot
// level adds a delta disk <disk>-00000N.vmdk (a vmfsSparse descriptor and an empty -delta
// extent) whose parent is the previous file, the disk's backing names the newest delta with
// the chain in backing.parent, and removing a snapshot deletes its delta (nothing was ever
// written to it: the simulator runs no guest). The govmomi simulator alone leaves disks alone.
type snapshotDisks struct {
	datastores map[string]string // datastore name -> directory
	mu         sync.Mutex
	bases      map[types.ManagedObjectReference]map[int32]types.VirtualDiskFlatVer2BackingInfo
}

func newSnapshotDisks(name, dir string) *snapshotDisks {
	return &snapshotDisks{
		datastores: map[string]string{name: dir},
		bases:      map[types.ManagedObjectReference]map[int32]types.VirtualDiskFlatVer2BackingInfo{},
	}
}

func (s *snapshotDisks) Reference() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "LifeboatSnapshotDisks", Value: "snapshot-disks"}
}

func (s *snapshotDisks) PutObject(mo.Reference) {}

func (s *snapshotDisks) RemoveObject(ref types.ManagedObjectReference) {
	s.mu.Lock()
	delete(s.bases, ref)
	s.mu.Unlock()
}

func (s *snapshotDisks) UpdateObject(obj mo.Reference, changes []types.PropertyChange) {
	vm, ok := obj.(*mo.VirtualMachine)
	if !ok || vm.Config == nil || !snapshotChanged(changes) {
		return
	}
	depth := snapshotDepth(vm)
	for _, d := range vm.Config.Hardware.Device {
		disk, ok := d.(*types.VirtualDisk)
		if !ok {
			continue
		}
		backing, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
		if !ok {
			continue
		}
		base := s.base(vm.Self, disk.Key, backing)
		chain, err := s.chain(base, depth, disk.CapacityInKB)
		if err != nil {
			log.Printf("%s: snapshot disks of %s: %v", vm.Self.Value, base.FileName, err)
			continue
		}
		disk.Backing = chain
	}
}

func snapshotChanged(changes []types.PropertyChange) bool {
	for _, c := range changes {
		if c.Name == "snapshot" || strings.HasPrefix(c.Name, "snapshot.") {
			return true
		}
	}
	return false
}

// snapshotDepth is the number of snapshots from the root to the current one (0 without snapshots).
func snapshotDepth(vm *mo.VirtualMachine) int {
	if vm.Snapshot == nil || vm.Snapshot.CurrentSnapshot == nil {
		return 0
	}
	var find func(trees []types.VirtualMachineSnapshotTree, depth int) int
	find = func(trees []types.VirtualMachineSnapshotTree, depth int) int {
		for _, t := range trees {
			if t.Snapshot == *vm.Snapshot.CurrentSnapshot {
				return depth
			}
			if d := find(t.ChildSnapshotList, depth+1); d > 0 {
				return d
			}
		}
		return 0
	}
	return find(vm.Snapshot.RootSnapshotList, 1)
}

// base remembers the disk's backing before its first snapshot (the root of its chain).
func (s *snapshotDisks) base(vm types.ManagedObjectReference, key int32, b *types.VirtualDiskFlatVer2BackingInfo) types.VirtualDiskFlatVer2BackingInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	disks := s.bases[vm]
	if disks == nil {
		disks = map[int32]types.VirtualDiskFlatVer2BackingInfo{}
		s.bases[vm] = disks
	}
	if base, ok := disks[key]; ok {
		return base
	}
	for b.Parent != nil {
		b = b.Parent
	}
	base := *b
	disks[key] = base
	return base
}

// chain returns the backing for the given snapshot depth, creating the delta files it names
// and deleting deeper ones.
func (s *snapshotDisks) chain(base types.VirtualDiskFlatVer2BackingInfo, depth int, capacityKB int64) (*types.VirtualDiskFlatVer2BackingInfo, error) {
	var p object.DatastorePath
	if !p.FromString(base.FileName) {
		return nil, fmt.Errorf("not a datastore path")
	}
	dir, ok := s.datastores[p.Datastore]
	if !ok {
		return nil, fmt.Errorf("unknown datastore %s", p.Datastore)
	}
	current := &base
	for i := 1; i <= depth; i++ {
		name := deltaName(p.Path, i)
		if err := writeDelta(filepath.Join(dir, filepath.FromSlash(name)), path.Base(deltaName(p.Path, i-1)), capacityKB); err != nil {
			return nil, err
		}
		current = &types.VirtualDiskFlatVer2BackingInfo{
			VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{
				FileName:  fmt.Sprintf("[%s] %s", p.Datastore, name),
				Datastore: base.Datastore,
			},
			DiskMode:        base.DiskMode,
			ThinProvisioned: base.ThinProvisioned,
			Parent:          current,
			DeltaDiskFormat: string(types.VirtualDiskDeltaDiskFormatRedoLogFormat),
		}
	}
	for i := depth + 1; ; i++ {
		descriptor := filepath.Join(dir, filepath.FromSlash(deltaName(p.Path, i)))
		if _, err := os.Stat(descriptor); err != nil {
			break
		}
		_ = os.Remove(descriptor)
		_ = os.Remove(strings.TrimSuffix(descriptor, ".vmdk") + "-delta.vmdk")
	}
	return current, nil
}

// deltaName is "vm/disk-00000N.vmdk" for level n of "vm/disk.vmdk" (level 0 is the base itself).
func deltaName(base string, n int) string {
	if n == 0 {
		return base
	}
	return fmt.Sprintf("%s-%06d.vmdk", strings.TrimSuffix(base, ".vmdk"), n)
}

func writeDelta(descriptor, parent string, capacityKB int64) error {
	if _, err := os.Stat(descriptor); err == nil {
		return nil
	}
	extent := strings.TrimSuffix(filepath.Base(descriptor), ".vmdk") + "-delta.vmdk"
	content := fmt.Sprintf(`# Disk DescriptorFile
version=1
encoding="UTF-8"
CID=fffffffe
parentCID=fffffffe
createType="vmfsSparse"
parentFileNameHint="%s"
# Extent description
RW %d VMFSSPARSE "%s"

# The Disk Data Base
#DDB

ddb.longContentID = "00000000000000000000000000000000"
`, parent, capacityKB*2, extent)
	if err := ioutil.WriteFile(descriptor, []byte(content), 0644); err != nil {
		return err
	}
	return ioutil.WriteFile(filepath.Join(filepath.Dir(descriptor), extent), nil, 0644)
}
