package io.lifeboat.lab;

/**
 * The vijava contract against the simulator run as a local process on 127.0.0.1.
 */
class VmwareSimulatorProcessIT extends VmwareSimulatorContractIT {

    @Override
    VmwareSimulator startSimulator(String name, VmwareSimulatorOptions options) throws Exception {
        return VmwareSimulatorProcess.startWithTemporaryDatastore(VmwareSimulatorBinary.locate().ensureBuilt(), options);
    }
}
