package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// vmxLoader gives a VM registered from a non-empty .vmx the identity and devices that file
// describes (guestId, hardware version, memory, CPUs, BIOS UUID, SCSI controllers, disks, NICs
// with their MAC addresses), as a real host does; the govmomi simulator alone ignores the file.
// It hooks the simulator's registry: every created or registered VM ends with a "name" update.
type vmxLoader struct {
	datastores map[string]string            // datastore name -> directory
	datastore  types.ManagedObjectReference // the datastore the disks live on
	mu         sync.Mutex
	loaded     map[types.ManagedObjectReference]bool
}

func newVmxLoader(name, dir string, ds types.ManagedObjectReference) *vmxLoader {
	return &vmxLoader{datastores: map[string]string{name: dir}, datastore: ds, loaded: map[types.ManagedObjectReference]bool{}}
}

func (l *vmxLoader) Reference() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "LifeboatVmxLoader", Value: "vmx-loader"}
}

func (l *vmxLoader) PutObject(mo.Reference) {}

func (l *vmxLoader) RemoveObject(types.ManagedObjectReference) {}

func (l *vmxLoader) UpdateObject(obj mo.Reference, changes []types.PropertyChange) {
	vm, ok := obj.(*mo.VirtualMachine)
	if !ok || len(changes) != 1 || changes[0].Name != "name" || vm.Config == nil {
		return
	}
	l.mu.Lock()
	done := l.loaded[vm.Self]
	l.loaded[vm.Self] = true
	l.mu.Unlock()
	if done {
		return
	}
	var p object.DatastorePath
	if !p.FromString(vm.Config.Files.VmPathName) || path.Ext(p.Path) != ".vmx" {
		return
	}
	dir, ok := l.datastores[p.Datastore]
	if !ok {
		return
	}
	file := filepath.Join(dir, filepath.FromSlash(p.Path))
	data, err := ioutil.ReadFile(file)
	if err != nil || len(strings.TrimSpace(string(data))) == 0 {
		return // a VM created through the API has an empty .vmx
	}
	l.apply(vm, parseVmx(data), p.Datastore, path.Dir(p.Path), filepath.Dir(file))
	log.Printf("%s: configured from %s", vm.Self.Value, vm.Config.Files.VmPathName)
}

func (l *vmxLoader) apply(vm *mo.VirtualMachine, v vmx, ds, vmDir, localDir string) {
	if id := v.guestID(); id != "" {
		vm.Config.GuestId = id
		vm.Summary.Config.GuestId = id
	}
	if hw := v.hardwareVersion(); hw != "" {
		vm.Config.Version = hw
	}
	if mem, err := strconv.Atoi(v["memsize"]); err == nil {
		vm.Config.Hardware.MemoryMB = int32(mem)
		vm.Summary.Config.MemorySizeMB = int32(mem)
	}
	if cpus, err := strconv.Atoi(v["numvcpus"]); err == nil {
		vm.Config.Hardware.NumCPU = int32(cpus)
		vm.Summary.Config.NumCpu = int32(cpus)
	}
	if id := v.biosUUID(); id != "" {
		vm.Config.Uuid = id
		vm.Summary.Config.Uuid = id
	}

	var devices []types.BaseVirtualDevice
	for _, d := range vm.Config.Hardware.Device {
		switch d.(type) {
		case *types.VirtualDisk, types.BaseVirtualEthernetCard, types.BaseVirtualSCSIController:
			continue // replaced by what the .vmx says
		}
		devices = append(devices, d)
	}
	for bus, dev := range v.scsiControllers() {
		devices = append(devices, scsiController(bus, dev))
	}
	disks := v.disks()
	for i, d := range disks {
		devices = append(devices, l.disk(i, d, ds, vmDir, localDir))
	}
	for _, n := range v.nics() {
		devices = append(devices, nic(n))
	}
	vm.Config.Hardware.Device = devices
	vm.Summary.Config.NumVirtualDisks = int32(len(disks))
	vm.Summary.Config.NumEthernetCards = int32(len(v.nics()))
}

func scsiController(bus int32, dev string) types.BaseVirtualDevice {
	base := types.VirtualSCSIController{
		VirtualController: types.VirtualController{
			VirtualDevice: types.VirtualDevice{
				Key:           1000 + bus,
				DeviceInfo:    &types.Description{Label: fmt.Sprintf("SCSI controller %d", bus), Summary: dev},
				ControllerKey: 100,
				UnitNumber:    types.NewInt32(3 + bus),
			},
			BusNumber: bus,
		},
		SharedBus:          types.VirtualSCSISharingNoSharing,
		ScsiCtlrUnitNumber: 7,
	}
	switch dev {
	case "buslogic":
		return &types.VirtualBusLogicController{VirtualSCSIController: base}
	case "lsisas1068":
		return &types.VirtualLsiLogicSASController{VirtualSCSIController: base}
	case "pvscsi":
		return &types.ParaVirtualSCSIController{VirtualSCSIController: base}
	default:
		return &types.VirtualLsiLogicController{VirtualSCSIController: base}
	}
}

func (l *vmxLoader) disk(i int, d vmxDisk, ds, vmDir, localDir string) types.BaseVirtualDevice {
	controller := 200 + d.controller // the default IDE controllers are 200 and 201
	if d.bus == "scsi" {
		controller = 1000 + d.controller
	}
	name := d.fileName
	var kb int64
	if !strings.HasPrefix(name, "/") {
		local := filepath.Join(localDir, filepath.FromSlash(name))
		// Only files inside the datastore are read: a hostile "../../etc/shadow" gets capacity 0.
		if root := l.datastores[ds]; strings.HasPrefix(local, filepath.Clean(root)+string(filepath.Separator)) {
			kb = diskCapacityKB(local)
		}
		name = fmt.Sprintf("[%s] %s", ds, path.Join(vmDir, name))
	}
	dsRef := l.datastore
	return &types.VirtualDisk{
		VirtualDevice: types.VirtualDevice{
			Key:           2000 + int32(i),
			DeviceInfo:    &types.Description{Label: fmt.Sprintf("Hard disk %d", i+1), Summary: fmt.Sprintf("%d KB", kb)},
			ControllerKey: controller,
			UnitNumber:    types.NewInt32(d.unit),
			Backing: &types.VirtualDiskFlatVer2BackingInfo{
				VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: name, Datastore: &dsRef},
				DiskMode:                     string(types.VirtualDiskModePersistent),
			},
		},
		CapacityInKB: kb,
	}
}

var extentLine = regexp.MustCompile(`(?m)^\s*(RW|RDONLY|NOACCESS)\s+(\d+)\s`)

// diskCapacityKB reads a .vmdk's capacity: from a hosted sparse header (KDMV) or from the
// extent lines of a text descriptor; 0 when the file cannot be read.
func diskCapacityKB(file string) int64 {
	f, err := os.Open(file)
	if err != nil {
		return 0
	}
	defer f.Close()
	head := make([]byte, 64*1024)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if n >= 20 && string(head[:4]) == "KDMV" {
		return int64(binary.LittleEndian.Uint64(head[12:20]) / 2)
	}
	var sectors int64
	for _, m := range extentLine.FindAllStringSubmatch(string(head), -1) {
		s, _ := strconv.ParseInt(m[2], 10, 64)
		sectors += s
	}
	return sectors / 2
}

func nic(n vmxNic) types.BaseVirtualDevice {
	backing := esx.EthernetCard.Backing
	card := types.VirtualEthernetCard{
		VirtualDevice: types.VirtualDevice{
			Key:           4000 + n.index,
			DeviceInfo:    &types.Description{Label: fmt.Sprintf("Network adapter %d", n.index+1), Summary: "VM Network"},
			Backing:       backing,
			ControllerKey: 100,
			UnitNumber:    types.NewInt32(7 + n.index),
			Connectable: &types.VirtualDeviceConnectInfo{
				StartConnected:    n.startConnected,
				AllowGuestControl: true,
				Status:            string(types.VirtualDeviceConnectInfoStatusUntried),
			},
		},
		AddressType: n.addressType,
		MacAddress:  n.mac,
	}
	switch n.virtualDev {
	case "e1000":
		return &types.VirtualE1000{VirtualEthernetCard: card}
	case "e1000e":
		return &types.VirtualE1000e{VirtualEthernetCard: card}
	case "vmxnet":
		return &types.VirtualVmxnet{VirtualEthernetCard: card}
	case "vmxnet3":
		return &types.VirtualVmxnet3{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: card}}
	default: // "vlance" or none
		return &types.VirtualPCNet32{VirtualEthernetCard: card}
	}
}
