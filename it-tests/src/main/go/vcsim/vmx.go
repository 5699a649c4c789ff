package main

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// vmx is a parsed .vmx file: keys lower-cased, values unquoted.
type vmx map[string]string

// parseVmx reads the `key = "value"` lines of a .vmx file; other lines are ignored.
func parseVmx(data []byte) vmx {
	v := vmx{}
	s := bufio.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			continue
		}
		key := strings.ToLower(strings.TrimSpace(line[:eq]))
		val := strings.TrimSpace(line[eq+1:])
		val = strings.TrimSuffix(strings.TrimPrefix(val, `"`), `"`)
		v[key] = val
	}
	return v
}

func (v vmx) present(prefix string) bool {
	p, ok := v[prefix+".present"]
	return ok && strings.EqualFold(p, "true")
}

// guestID maps a .vmx guestOS ("other26xlinux", "winnetstandard", "ubuntu-64") to the API's guestId.
func (v vmx) guestID() string {
	os := normalizeGuest(v["guestos"])
	if os == "" {
		return ""
	}
	for _, id := range simulator.GuestID {
		if normalizeGuest(string(id)) == os+"guest" {
			return string(id)
		}
	}
	return string(types.VirtualMachineGuestOsIdentifierOtherGuest)
}

func normalizeGuest(s string) string {
	return strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(s))
}

// hardwareVersion maps virtualHW.version "7" to "vmx-07".
func (v vmx) hardwareVersion() string {
	n, err := strconv.Atoi(v["virtualhw.version"])
	if err != nil {
		return ""
	}
	return fmt.Sprintf("vmx-%02d", n)
}

// biosUUID maps uuid.bios "56 4d 5e 2c 14 3a 0c 8c-5c 6a 8f 1b 41 53 2a 4e" to the API's form
// "564d5e2c-143a-0c8c-5c6a-8f1b41532a4e".
func (v vmx) biosUUID() string {
	h := strings.NewReplacer(" ", "", "-", "").Replace(strings.ToLower(v["uuid.bios"]))
	if len(h) != 32 {
		return ""
	}
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

var diskKey = regexp.MustCompile(`^(ide|scsi)(\d+):(\d+)\.filename$`)

// vmxDisk is one virtual disk of a .vmx: its bus, controller and unit, and its file name.
type vmxDisk struct {
	bus        string // "ide" or "scsi"
	controller int32
	unit       int32
	fileName   string
}

// disks lists the present disks (not CD-ROMs), sorted by bus, controller and unit.
func (v vmx) disks() []vmxDisk {
	var out []vmxDisk
	for key, file := range v {
		m := diskKey.FindStringSubmatch(key)
		if m == nil {
			continue
		}
		prefix := strings.TrimSuffix(key, ".filename")
		if p, ok := v[prefix+".present"]; ok && !strings.EqualFold(p, "true") {
			continue
		}
		if strings.Contains(strings.ToLower(v[prefix+".devicetype"]), "cdrom") || !strings.HasSuffix(strings.ToLower(file), ".vmdk") {
			continue
		}
		c, _ := strconv.Atoi(m[2])
		u, _ := strconv.Atoi(m[3])
		out = append(out, vmxDisk{bus: m[1], controller: int32(c), unit: int32(u), fileName: file})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.bus != b.bus {
			return a.bus < b.bus
		}
		if a.controller != b.controller {
			return a.controller < b.controller
		}
		return a.unit < b.unit
	})
	return out
}

// scsiControllers lists the present SCSI controllers: bus number and virtualDev.
func (v vmx) scsiControllers() map[int32]string {
	out := map[int32]string{}
	for i := int32(0); i < 4; i++ {
		prefix := fmt.Sprintf("scsi%d", i)
		if v.present(prefix) {
			out[i] = strings.ToLower(v[prefix+".virtualdev"])
		}
	}
	return out
}

// vmxNic is one present ethernetN of a .vmx.
type vmxNic struct {
	index          int32
	virtualDev     string
	addressType    string // API form: Manual, Generated or Assigned
	mac            string
	networkName    string
	startConnected bool
}

func (v vmx) nics() []vmxNic {
	var out []vmxNic
	for i := int32(0); i < 10; i++ {
		prefix := fmt.Sprintf("ethernet%d", i)
		if !v.present(prefix) {
			continue
		}
		n := vmxNic{index: i, virtualDev: strings.ToLower(v[prefix+".virtualdev"]), networkName: v[prefix+".networkname"]}
		switch strings.ToLower(v[prefix+".addresstype"]) {
		case "static":
			n.addressType, n.mac = string(types.VirtualEthernetCardMacTypeManual), v[prefix+".address"]
		case "vpx":
			n.addressType, n.mac = string(types.VirtualEthernetCardMacTypeAssigned), v[prefix+".generatedaddress"]
		default:
			n.addressType, n.mac = string(types.VirtualEthernetCardMacTypeGenerated), v[prefix+".generatedaddress"]
		}
		n.mac = strings.ToLower(n.mac)
		sc, ok := v[prefix+".startconnected"]
		n.startConnected = !ok || strings.EqualFold(sc, "true")
		out = append(out, n)
	}
	return out
}
