package main

import (
	"fmt"
	"io/ioutil"
	"log"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// guestRunner boots powered-on VMs for real: QEMU (TCG, as VMware Server ran guests on CPUs
// without VT-x by binary translation) on the VM's disks, with serial0 written to the file the
// .vmx names. Power-off, unregister and simulator shutdown kill it. Disks are attached as IDE
// in device order, from the base of each snapshot chain; there is no network.
type guestRunner struct {
	qemu       string            // path of qemu-system-x86_64
	datastores map[string]string // datastore name -> directory
	mu         sync.Mutex
	running    map[types.ManagedObjectReference]*exec.Cmd
}

func newGuestRunner(qemu, name, dir string) *guestRunner {
	return &guestRunner{qemu: qemu, datastores: map[string]string{name: dir}, running: map[types.ManagedObjectReference]*exec.Cmd{}}
}

func (g *guestRunner) Reference() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "LifeboatGuestRunner", Value: "guest-runner"}
}

func (g *guestRunner) PutObject(mo.Reference) {}

func (g *guestRunner) RemoveObject(ref types.ManagedObjectReference) {
	g.stop(ref)
}

func (g *guestRunner) UpdateObject(obj mo.Reference, changes []types.PropertyChange) {
	vm, ok := obj.(*mo.VirtualMachine)
	if !ok || vm.Config == nil {
		return
	}
	for _, c := range changes {
		if c.Name != "runtime.powerState" {
			continue
		}
		if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
			if err := g.start(vm); err != nil {
				log.Printf("%s: not booted: %v", vm.Self.Value, err)
			}
		} else {
			g.stop(vm.Self)
		}
	}
}

// localPath maps "[ds] dir/file" to a file inside that datastore's directory.
func (g *guestRunner) localPath(dsPath string) (string, error) {
	var p object.DatastorePath
	if !p.FromString(dsPath) {
		return "", fmt.Errorf("%q is not a datastore path", dsPath)
	}
	dir, ok := g.datastores[p.Datastore]
	if !ok {
		return "", fmt.Errorf("%s: unknown datastore %s", dsPath, p.Datastore)
	}
	local := filepath.Join(dir, filepath.FromSlash(path.Clean("/"+p.Path)))
	return local, nil
}

func (g *guestRunner) start(vm *mo.VirtualMachine) error {
	vmxFile, err := g.localPath(vm.Config.Files.VmPathName)
	if err != nil {
		return err
	}
	vmDir := filepath.Dir(vmxFile)
	data, _ := ioutil.ReadFile(vmxFile)
	v := parseVmx(data)

	mem := int(vm.Config.Hardware.MemoryMB)
	if mem < 16 || mem > 512 {
		mem = 64
	}
	args := []string{"-machine", "pc,accel=tcg", "-m", strconv.Itoa(mem), "-display", "none",
		"-nodefaults", "-no-user-config", "-no-reboot", "-name", vm.Name}
	index := 0
	for _, d := range vm.Config.Hardware.Device {
		disk, ok := d.(*types.VirtualDisk)
		if !ok {
			continue
		}
		backing, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
		if !ok {
			continue
		}
		for backing.Parent != nil {
			backing = backing.Parent
		}
		file, err := g.localPath(backing.FileName)
		if err != nil {
			return err
		}
		if index > 3 {
			break
		}
		args = append(args, "-drive", "file="+file+",format=vmdk,if=ide,index="+strconv.Itoa(index))
		index++
	}
	if index == 0 {
		return fmt.Errorf("no disk")
	}
	serial := "null"
	if v.present("serial0") && strings.EqualFold(v["serial0.filetype"], "file") && v["serial0.filename"] != "" {
		name := v["serial0.filename"]
		if !filepath.IsAbs(name) {
			name = filepath.Join(vmDir, name)
		}
		name = filepath.Clean(name)
		if strings.HasPrefix(name, vmDir+string(filepath.Separator)) {
			serial = "file:" + name
		}
	}
	args = append(args, "-serial", serial)

	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.running[vm.Self]; ok {
		return nil
	}
	logFile, err := os.OpenFile(filepath.Join(vmDir, "vmware.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0644)
	if err != nil {
		return err
	}
	cmd := exec.Command(g.qemu, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// QEMU dies with the simulator, even when the simulator is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return err
	}
	g.running[vm.Self] = cmd
	log.Printf("%s: booting with %s %s", vm.Self.Value, g.qemu, strings.Join(args, " "))
	go func(ref types.ManagedObjectReference) {
		_ = cmd.Wait()
		_ = logFile.Close()
		g.mu.Lock()
		if g.running[ref] == cmd {
			delete(g.running, ref)
		}
		g.mu.Unlock()
	}(vm.Self)
	return nil
}

func (g *guestRunner) stop(ref types.ManagedObjectReference) {
	g.mu.Lock()
	cmd := g.running[ref]
	delete(g.running, ref)
	g.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		_ = cmd.Process.Kill()
		log.Printf("%s: guest stopped", ref.Value)
	}
}

// stopAll kills every guest, when the simulator shuts down.
func (g *guestRunner) stopAll() {
	g.mu.Lock()
	refs := make([]types.ManagedObjectReference, 0, len(g.running))
	for ref := range g.running {
		refs = append(refs, ref)
	}
	g.mu.Unlock()
	for _, ref := range refs {
		g.stop(ref)
	}
}
