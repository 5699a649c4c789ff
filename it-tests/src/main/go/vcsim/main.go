// Command vcsim is the lab's VMware host: the govmomi VI API simulator (ESX model)
// made to look like an older host that vijava 5.1 can drive, with its datastore in a
// directory of the local filesystem.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

// readyMarker starts the line printed on stdout once the SDK endpoint accepts requests.
const readyMarker = "VCSIM READY"

type options struct {
	listen        string
	plainHTTP     bool
	username      string
	password      string
	datastoreDir  string
	datastoreName string
	vms           int
	product       string
	noHwVirt      bool
	only32Bit     bool
	cpuModel      string
	trace         bool
	runGuests     bool
}

func main() {
	var o options
	flag.StringVar(&o.listen, "listen", "0.0.0.0:8333", "address to serve the VI API (/sdk) on")
	flag.BoolVar(&o.plainHTTP, "http", false, "serve plain HTTP instead of HTTPS with a self-signed certificate")
	flag.StringVar(&o.username, "username", "root", "user name accepted by Login")
	flag.StringVar(&o.password, "password", "lifeboat", "password accepted by Login")
	flag.StringVar(&o.datastoreDir, "datastore-dir", "/var/lib/vmware/datastore1", "directory that holds the datastore's VM folders")
	flag.StringVar(&o.datastoreName, "datastore-name", "datastore1", "name of the datastore")
	flag.IntVar(&o.vms, "vm", 0, "number of VMs (vm0, vm1, ...) to create and power on at start unless their folders exist; folders found in the datastore are registered")
	flag.StringVar(&o.product, "product", "esxi", "product to present: esxi (ESXi, API 5.1 era) or server2 (VMware Server 2.0.2)")
	flag.BoolVar(&o.noHwVirt, "no-hw-virt", false, "report a CPU without VT-x/AMD-V")
	flag.BoolVar(&o.only32Bit, "32bit-only", false, "report a CPU without long mode (32-bit guests only)")
	flag.StringVar(&o.cpuModel, "cpu-model", "", "CPU model string to report")
	flag.BoolVar(&o.trace, "trace", false, "log every SOAP request and response to stderr")
	flag.BoolVar(&o.runGuests, "run-guests", false, "boot powered-on VMs with qemu-system-x86_64 (TCG), serial0 to the file the .vmx names")
	flag.Parse()

	if err := run(o); err != nil {
		log.Fatalf("vcsim: %v", err)
	}
}

func run(o options) error {
	if err := os.MkdirAll(o.datastoreDir, 0755); err != nil {
		return fmt.Errorf("datastore directory %s: %w", o.datastoreDir, err)
	}
	absDir, err := filepath.Abs(o.datastoreDir)
	if err != nil {
		return fmt.Errorf("datastore directory %s: %w", o.datastoreDir, err)
	}

	m := simulator.ESX()
	m.Datastore = 0 // the datastore is created below, on absDir
	m.Machine = 0   // VMs are created below, on that datastore
	m.ServiceContent = olderServiceContent(m.ServiceContent, o.product)
	olderDevices(esx.VirtualDevice)
	if err := m.Create(); err != nil {
		return fmt.Errorf("creating the ESX model: %w", err)
	}
	simulator.Trace = o.trace
	simulator.TraceFile = os.Stderr

	host := simulator.Map.Get(esx.HostSystem.Reference()).(*simulator.HostSystem)
	facts := hostFacts{hardwareVirtualization: !o.noHwVirt, longMode: !o.only32Bit, cpuModel: o.cpuModel}
	facts.apply(host.Hardware, host.Summary.Hardware)

	ctx := context.Background()
	client, err := vim25.NewClient(ctx, m.Service)
	if err != nil {
		return fmt.Errorf("in-process VI client: %w", err)
	}
	runner, err := populate(ctx, client, o, absDir)
	if err != nil {
		return err
	}
	if runner != nil {
		defer runner.stopAll()
	}

	// The simulator's own server listens on an ephemeral loopback port and is not used:
	// the service's mux is served below, behind the SOAP filter, on the requested address.
	m.Service.Listen = &url.URL{Host: "127.0.0.1:0", User: url.UserPassword(o.username, o.password)}
	inner := m.Service.NewServer()
	inner.Close()

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", o.listen, err)
	}
	scheme := "https"
	if o.plainHTTP {
		scheme = "http"
	} else {
		cert, err := selfSignedCertificate()
		if err != nil {
			return err
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}})
	}
	simulator.Map.SessionManager().ServiceHostName = ln.Addr().String()

	var sdk http.Handler = registrationFiles{next: m.Service.ServeMux, datastores: map[string]string{o.datastoreName: absDir}}
	if o.only32Bit || o.noHwVirt {
		sdk = powerOnGuard{next: sdk, reason: cpuReason(o)}
	}
	srv := &http.Server{Handler: soapFilter{next: sdk}, ReadHeaderTimeout: 30 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Printf("%s %s://%s/sdk datastore=[%s] %s\n", readyMarker, scheme, ln.Addr(), o.datastoreName, absDir)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-stop:
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	case err := <-done:
		return fmt.Errorf("serving %s: %w", o.listen, err)
	}
}

// populate creates the datastore on dir, registers every VM folder already in it
// (<name>/<name>.vmx), and creates the requested number of new VMs.
func populate(ctx context.Context, c *vim25.Client, o options, dir string) (*guestRunner, error) {
	host := object.NewHostSystem(c, esx.HostSystem.Reference())
	dss, err := host.ConfigManager().DatastoreSystem(ctx)
	if err != nil {
		return nil, fmt.Errorf("host datastore system: %w", err)
	}
	ds, err := dss.CreateLocalDatastore(ctx, o.datastoreName, dir)
	if err != nil {
		return nil, fmt.Errorf("datastore %s on %s: %w", o.datastoreName, dir, err)
	}
	simulator.Map.AddHandler(newVmxLoader(o.datastoreName, dir, ds.Reference()))
	simulator.Map.AddHandler(newSnapshotDisks(o.datastoreName, dir))
	var runner *guestRunner
	if o.runGuests {
		qemu, err := exec.LookPath("qemu-system-x86_64")
		if err != nil {
			return nil, fmt.Errorf("-run-guests: %w (apt-get install qemu-system-x86)", err)
		}
		runner = newGuestRunner(qemu, o.datastoreName, dir)
		simulator.Map.AddHandler(runner)
	}
	pool, err := host.ResourcePool(ctx)
	if err != nil {
		return nil, fmt.Errorf("host resource pool: %w", err)
	}
	folders, err := object.NewDatacenter(c, esx.Datacenter.Reference()).Folders(ctx)
	if err != nil {
		return nil, fmt.Errorf("datacenter folders: %w", err)
	}

	entries, err := ioutil.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("datastore directory %s: %w", dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, name, name+".vmx")); err != nil {
			continue
		}
		if err := ensureFiles(filepath.Join(dir, name), name); err != nil {
			return nil, err
		}
		vmx := fmt.Sprintf("[%s] %s/%s.vmx", o.datastoreName, name, name)
		task, err := folders.VmFolder.RegisterVM(ctx, vmx, name, false, pool, host)
		if err == nil {
			_, err = task.WaitForResult(ctx, nil)
		}
		if err != nil {
			return nil, fmt.Errorf("registering %s: %w", vmx, err)
		}
		log.Printf("registered %s", vmx)
	}

	for i := 0; i < o.vms; i++ {
		name := fmt.Sprintf("vm%d", i)
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			continue // created by an earlier run on this datastore, and registered above
		}
		if err := createVM(ctx, c, folders, pool, host, o.datastoreName, dir, name); err != nil {
			return nil, err
		}
	}
	return runner, nil
}

// ensureFiles creates, when missing, the files the simulator's RegisterVM opens besides the
// .vmx (<name>.nvram and vmware.log), as a real host creates them at the first power-on.
func ensureFiles(vmDir, name string) error {
	for _, f := range []string{name + ".nvram", "vmware.log"} {
		p := filepath.Join(vmDir, f)
		file, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0644)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		_ = file.Close()
	}
	return nil
}

// createVM creates and powers on a VM with an IDE disk and an e1000 NIC, and writes its .vmx.
func createVM(ctx context.Context, c *vim25.Client, folders *object.DatacenterFolders, pool *object.ResourcePool, host *object.HostSystem, ds, dir, name string) error {
	config := types.VirtualMachineConfigSpec{
		Name:     name,
		GuestId:  string(types.VirtualMachineGuestOsIdentifierOtherLinuxGuest),
		Version:  "vmx-07",
		MemoryMB: 64,
		NumCPUs:  1,
		Files:    &types.VirtualMachineFileInfo{VmPathName: fmt.Sprintf("[%s]", ds)},
	}
	// The disk goes on the IDE controller every simulated VM has (key 200), as ide0:0.
	defaults := object.VirtualDeviceList(esx.VirtualDevice)
	ide, err := defaults.FindIDEController("")
	if err != nil {
		return fmt.Errorf("%s: default IDE controller: %w", name, err)
	}
	disk := defaults.CreateDisk(ide, types.ManagedObjectReference{}, fmt.Sprintf("[%s] %s/%s.vmdk", ds, name, name))
	disk.CapacityInKB = 1024
	nic := esx.EthernetCard
	devices := object.VirtualDeviceList{disk, &nic}
	config.DeviceChange, err = devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd)
	if err != nil {
		return fmt.Errorf("%s: device spec: %w", name, err)
	}
	task, err := folders.VmFolder.CreateVM(ctx, config, pool, host)
	if err != nil {
		return fmt.Errorf("creating %s: %w", name, err)
	}
	info, err := task.WaitForResult(ctx, nil)
	if err != nil {
		return fmt.Errorf("creating %s: %w", name, err)
	}
	ref := info.Result.(types.ManagedObjectReference)
	if err := writeVmx(ref, dir, name); err != nil {
		return err
	}
	vm := object.NewVirtualMachine(c, ref)
	task, err = vm.PowerOn(ctx)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		return fmt.Errorf("powering on %s: %w", name, err)
	}
	return nil
}

// selfSignedCertificate makes the TLS certificate a fresh VMware host also makes for itself.
func selfSignedCertificate() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("TLS key: %w", err)
	}
	hostname, _ := os.Hostname()
	template := x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: hostname, Organization: []string{"Lifeboat lab"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{hostname, "localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, &template, &template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("TLS certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// writeVmx writes the .vmx of a VM created at start (the simulator leaves it empty), so that
// the VM keeps its disk and MAC address when it is unregistered and registered again.
func writeVmx(ref types.ManagedObjectReference, dir, name string) error {
	vm := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	mac := ""
	for _, d := range vm.Config.Hardware.Device {
		if nic, ok := d.(types.BaseVirtualEthernetCard); ok {
			mac = nic.GetVirtualEthernetCard().MacAddress
		}
	}
	content := fmt.Sprintf(`.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "7"
displayName = "%[1]s"
guestOS = "otherlinux"
memsize = "64"
numvcpus = "1"
ide0:0.present = "TRUE"
ide0:0.fileName = "%[1]s.vmdk"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "e1000"
ethernet0.addressType = "generated"
ethernet0.generatedAddress = "%[2]s"
`, name, mac)
	p := filepath.Join(dir, name, name+".vmx")
	if err := ioutil.WriteFile(p, []byte(content), 0644); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

// cpuReason says why this host's CPU cannot run 64-bit guests.
func cpuReason(o options) string {
	if o.only32Bit {
		return "64-bit operation is not possible: the host CPU has no long mode"
	}
	return "64-bit operation is not possible: the host CPU has no VT-x/AMD-V"
}
