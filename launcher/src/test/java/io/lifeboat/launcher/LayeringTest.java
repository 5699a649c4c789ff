package io.lifeboat.launcher;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The module boundaries of DESIGN.md, checked on the compiled classes of every module. */
class LayeringTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.lifeboat");
    }

    @Test
    void agentNeverImportsCoordinator() {
        noClasses().that().resideInAPackage("io.lifeboat.agent..")
                .should().dependOnClassesThat().resideInAPackage("io.lifeboat.coordinator..")
                .because("agents and coordinators speak lifeboat.v1 only; move shared types to the protocol module")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void coordinatorNeverImportsAgent() {
        noClasses().that().resideInAPackage("io.lifeboat.coordinator..")
                .should().dependOnClassesThat().resideInAPackage("io.lifeboat.agent..")
                .because("the coordinator commands agents through lifeboat.v1 messages, never through their classes")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void storageKnowsNoHypervisorAndNoControlPlane() {
        noClasses().that().resideInAPackage("io.lifeboat.storage..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.lifeboat.agent..", "io.lifeboat.coordinator..", "org.libvirt..", "com.vmware..")
                .because("storage handles images and restore points for any hypervisor; hypervisor code "
                        + "belongs in the agent's drivers")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void protocolDependsOnNoOtherModule() {
        noClasses().that().resideInAPackage("io.lifeboat.protocol..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.lifeboat.storage..", "io.lifeboat.agent..", "io.lifeboat.coordinator..",
                        "io.lifeboat.ui..", "io.lifeboat.lab..")
                .because("every module depends on the protocol, so it must depend on none of them")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void productionCodeNeverUsesTheLab() {
        noClasses().that().resideInAnyPackage(
                        "io.lifeboat.protocol..", "io.lifeboat.storage..", "io.lifeboat.agent..",
                        "io.lifeboat.coordinator..", "io.lifeboat.ui..")
                .should().dependOnClassesThat().resideInAPackage("io.lifeboat.lab..")
                .because("the lab is test infrastructure; only it-tests and the launcher may use it")
                .allowEmptyShould(true)
                .check(classes);
    }
}
