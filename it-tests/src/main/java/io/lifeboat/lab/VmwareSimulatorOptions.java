package io.lifeboat.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the simulated VMware host presents: credentials, product, CPU facts and the VMs it creates at start.
 *
 * @param username user name the host accepts
 * @param password password the host accepts
 * @param product {@code esxi} (ESXi 5.1) or {@code server2} (VMware Server 2.0.2)
 * @param vmCount number of VMs {@code vm0, vm1, ...} created and powered on at start
 * @param hardwareVirtualization whether the CPU reports VT-x
 * @param longMode whether the CPU can run 64-bit guests
 * @param runGuests whether powered-on VMs boot in QEMU (TCG) with serial0 written to the file their .vmx names
 */
public record VmwareSimulatorOptions(String username, String password, String product, int vmCount,
                                     boolean hardwareVirtualization, boolean longMode, boolean runGuests) {

    /** Name of the datastore, as VI API paths spell it: {@code [datastore1] vm0/vm0.vmx}. */
    public static final String DATASTORE = "datastore1";

    /** Validates the options. */
    public VmwareSimulatorOptions {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        if (!product.equals("esxi") && !product.equals("server2")) {
            throw new IllegalArgumentException("VI API simulator product: " + product + " is neither esxi nor server2");
        }
        if (vmCount < 0) {
            throw new IllegalArgumentException("VI API simulator VM count: " + vmCount + " is negative");
        }
    }

    /** An ESXi host with VT-x and 64-bit CPU, user root, and the given number of VMs. */
    public static VmwareSimulatorOptions esxi(int vmCount) {
        return new VmwareSimulatorOptions("root", "lifeboat", "esxi", vmCount, true, true, false);
    }

    /** The same host, booting powered-on VMs in QEMU so that a guest's serial marker can be seen. */
    public VmwareSimulatorOptions withGuestsRunning() {
        return new VmwareSimulatorOptions(username, password, product, vmCount, hardwareVirtualization, longMode, true);
    }

    /** The same host presented as an old VMware Server 2 box without VT-x that runs only 32-bit guests. */
    public VmwareSimulatorOptions asOldServerWithoutVirtualizationExtensions() {
        return new VmwareSimulatorOptions(username, password, "server2", vmCount, false, false, runGuests);
    }

    /** The simulator's command-line arguments for serving on {@code listen} with its datastore in {@code datastoreDir}. */
    public List<String> arguments(String listen, String datastoreDir) {
        List<String> args = new ArrayList<>(List.of(
                "-listen", listen,
                "-username", username,
                "-password", password,
                "-product", product,
                "-vm", Integer.toString(vmCount),
                "-datastore-name", DATASTORE,
                "-datastore-dir", datastoreDir));
        if (!hardwareVirtualization) {
            args.add("-no-hw-virt");
        }
        if (!longMode) {
            args.add("-32bit-only");
        }
        if (runGuests) {
            args.add("-run-guests");
        }
        return args;
    }
}
