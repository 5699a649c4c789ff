package main

import (
	"github.com/vmware/govmomi/vim25/types"
)

// CPUID leaves and bits a VI API client reads from HostHardwareInfo.cpuFeature.
const (
	leafFeatures         = 1           // CPUID leaf 1
	leafExtendedFeatures = -2147483647 // CPUID leaf 0x80000001, as the signed int the API carries
	bitVmx               = 5           // leaf 1 ECX: Intel VT-x
	bitSvm               = 2           // leaf 0x80000001 ECX: AMD-V
	bitLongMode          = 29          // leaf 0x80000001 EDX: 64-bit (long mode)
)

// hostFacts are the hardware facts of the simulated host that compatibility checks look at.
type hostFacts struct {
	hardwareVirtualization bool   // CPU has VT-x (and reports it)
	longMode               bool   // CPU can run 64-bit code
	cpuModel               string // empty keeps the simulator's default
}

// apply rewrites the CPUID registers of every feature list in the hardware info.
func (f hostFacts) apply(hw *types.HostHardwareInfo, summary *types.HostHardwareSummary) {
	hw.CpuFeature = f.rewrite(hw.CpuFeature)
	pkgs := make([]types.HostCpuPackage, len(hw.CpuPkg))
	copy(pkgs, hw.CpuPkg)
	for i := range pkgs {
		pkgs[i].CpuFeature = f.rewrite(pkgs[i].CpuFeature)
		if f.cpuModel != "" {
			pkgs[i].Description = f.cpuModel
		}
	}
	hw.CpuPkg = pkgs
	if f.cpuModel != "" && summary != nil {
		summary.CpuModel = f.cpuModel
	}
}

func (f hostFacts) rewrite(in []types.HostCpuIdInfo) []types.HostCpuIdInfo {
	out := make([]types.HostCpuIdInfo, len(in))
	copy(out, in)
	for i := range out {
		switch out[i].Level {
		case leafFeatures:
			out[i].Ecx = setBit(out[i].Ecx, bitVmx, f.hardwareVirtualization)
		case leafExtendedFeatures:
			out[i].Ecx = setBit(out[i].Ecx, bitSvm, false)
			out[i].Edx = setBit(out[i].Edx, bitLongMode, f.longMode)
		}
	}
	return out
}

// setBit sets bit n (0 = least significant) of a register written the VI API way,
// "0000:0000:0000:0000:0000:0000:0000:0000" with bit 31 first.
func setBit(register string, n int, on bool) string {
	if register == "" {
		register = "0000:0000:0000:0000:0000:0000:0000:0000"
	}
	b := []byte(register)
	pos := 31 - n
	idx := pos + pos/4 // skip one colon per preceding group of four
	if on {
		b[idx] = '1'
	} else {
		b[idx] = '0'
	}
	return string(b)
}
