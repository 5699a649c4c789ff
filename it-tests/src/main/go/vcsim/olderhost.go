package main

import (
	"github.com/vmware/govmomi/vim25/types"
)

// olderServiceContent removes the managers that hosts older than vSphere 6 lack, whose
// references vijava 5.1 cannot parse, and sets the product the host presents.
func olderServiceContent(c types.ServiceContent, product string) types.ServiceContent {
	c.DatastoreNamespaceManager = nil
	c.OverheadMemoryManager = nil
	c.CertificateManager = nil
	c.IoFilterManager = nil
	c.VStorageObjectManager = nil
	c.HostSpecManager = nil
	c.CryptoManager = nil
	c.HealthUpdateManager = nil
	c.FailoverClusterConfigurator = nil
	c.FailoverClusterManager = nil
	switch product {
	case "server2":
		c.About.Name = "VMware Server"
		c.About.FullName = "VMware Server 2.0.2 build-203138"
		c.About.Version = "2.0.2"
		c.About.Build = "203138"
		c.About.OsType = "lin32-x86"
		c.About.ProductLineId = "gsx"
		c.About.ApiVersion = "2.5u2"
		c.About.LicenseProductName = "VMware Server"
		c.About.LicenseProductVersion = "2.0"
	default:
		c.About.FullName = "VMware ESXi 5.1.0 build-799733"
		c.About.Version = "5.1.0"
		c.About.Build = "799733"
		c.About.ApiVersion = "5.1"
		c.About.LicenseProductVersion = "5.0"
	}
	return c
}

// olderDevices clears, in the device list every simulated VM starts from, the fields
// added after vSphere 5.1 that vijava 5.1 rejects (NoSuchFieldException).
func olderDevices(devices []types.BaseVirtualDevice) {
	for _, d := range devices {
		switch dev := d.(type) {
		case *types.VirtualMachineVideoCard:
			dev.GraphicsMemorySizeInKB = 0 // vSphere 6.0
		case *types.VirtualMachineVMCIDevice:
			dev.FilterEnable = nil // vSphere 6.0
			dev.FilterInfo = nil
		}
	}
}
