package io.lifeboat.agent.hypervisor.libvirt;

import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.DiskAdapter;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Firmware;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Domain XML written from a spec and parsed back: round trip, escaping of hostile text, refusals, a hardened parser. */
class DomainXmlTest {

    private static final String UUID = "0f8fad5b-d9cb-469f-a165-70867728950e";
    private static final String LOG = "/var/lib/lifeboat/guests/mail/mail.serial.log";

    private static GuestSpec mail() {
        return GuestSpec.newBuilder().setName("mail").setGuestId("6f1c2a9e-0000-4000-8000-000000000001")
                .setMemoryBytes(512L << 20).setVcpus(2).setFirmware(Firmware.FIRMWARE_BIOS)
                .addDisks(DiskSpec.newBuilder().setPath("/var/lib/lifeboat/guests/mail/mail.vmdk")
                        .setFormat(DiskFormat.DISK_FORMAT_VMDK).setBus(DiskBus.DISK_BUS_SCSI)
                        .setAdapter(DiskAdapter.DISK_ADAPTER_BUSLOGIC).setTarget("scsi0:0"))
                .addDisks(DiskSpec.newBuilder().setPath("/var/lib/lifeboat/guests/mail/data.img")
                        .setFormat(DiskFormat.DISK_FORMAT_RAW).setBus(DiskBus.DISK_BUS_VIRTIO).setTarget("vdb"))
                .addNics(NicSpec.newBuilder().setMacAddress("00:50:56:01:02:03").setModel(NicModel.NIC_MODEL_E1000)
                        .setNetwork("default"))
                .addNics(NicSpec.newBuilder().setMacAddress("52:54:00:aa:bb:cc").setModel(NicModel.NIC_MODEL_VIRTIO)
                        .setNetwork("bridge:br0"))
                .build();
    }

    @Test
    void aSpecSurvivesTheRoundTrip() {
        String xml = DomainXmlWriter.write(mail(), "qemu", UUID, LOG);

        ParsedDomain parsed = DomainXmlParser.parse(xml, "test");

        GuestSpec g = parsed.spec();
        assertThat(g.getName()).isEqualTo("mail");
        assertThat(g.getHypervisorUuid()).isEqualTo(UUID);
        assertThat(g.getGuestId()).isEqualTo("6f1c2a9e-0000-4000-8000-000000000001");
        assertThat(g.getMemoryBytes()).isEqualTo(512L << 20);
        assertThat(g.getVcpus()).isEqualTo(2);
        assertThat(g.getDisksList()).extracting(DiskSpec::getPath, DiskSpec::getFormat, DiskSpec::getBus,
                        DiskSpec::getAdapter, DiskSpec::getTarget)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("/var/lib/lifeboat/guests/mail/mail.vmdk",
                                DiskFormat.DISK_FORMAT_VMDK, DiskBus.DISK_BUS_SCSI, DiskAdapter.DISK_ADAPTER_BUSLOGIC, "sda"),
                        org.assertj.core.groups.Tuple.tuple("/var/lib/lifeboat/guests/mail/data.img",
                                DiskFormat.DISK_FORMAT_RAW, DiskBus.DISK_BUS_VIRTIO, DiskAdapter.DISK_ADAPTER_UNSPECIFIED, "vdb"));
        assertThat(g.getNicsList()).containsExactlyElementsOf(mail().getNicsList());
        assertThat(parsed.serialLogPath()).isEqualTo(LOG);
        assertThat(xml).startsWith("<domain type=\"qemu\">");
    }

    @Test
    void hostileTextInNamesIsEscapedNotInjected() {
        String name = "x'\"><disk type=\"file\" device=\"disk\"><source file=\"etc-shadow\"><target dev=\"vdz\">&amp;]]>";
        GuestSpec spec = mail().toBuilder().setName(name).build();

        String xml = DomainXmlWriter.write(spec, "kvm", UUID, LOG);

        ParsedDomain parsed = DomainXmlParser.parse(xml, "test");
        assertThat(parsed.spec().getName()).isEqualTo(name);
        assertThat(parsed.spec().getDisksList()).hasSize(2).noneMatch(d -> d.getPath().contains("etc-shadow"));
        assertThat(xml).doesNotContain("<source file=\"etc-shadow\"");
    }

    @Property(tries = 300)
    void anyAcceptedNameRoundTripsVerbatim(@ForAll @StringLength(min = 1, max = 60) String name) {
        GuestSpec spec = mail().toBuilder().setName(name).build();
        String xml;
        try {
            xml = DomainXmlWriter.write(spec, "qemu", UUID, LOG);
        } catch (HypervisorException refused) {
            assertThat(refused.code()).isIn("invalid_name", "invalid_spec");
            return;
        }
        ParsedDomain parsed = DomainXmlParser.parse(xml, "test");
        assertThat(parsed.spec().getName()).isEqualTo(name);
        assertThat(parsed.spec().getDisksCount()).isEqualTo(2);
        assertThat(parsed.spec().getNicsCount()).isEqualTo(2);
    }

    @Test
    void pathSeparatorsAndTraversalAreRefused() {
        for (String name : List.of("../../etc/passwd", "a/b", "a\\b", "..", "tab\there", "")) {
            assertThatThrownBy(() -> DomainXmlWriter.write(mail().toBuilder().setName(name).build(), "qemu", UUID, LOG))
                    .isInstanceOfSatisfying(HypervisorException.class, e -> {
                        assertThat(e.code()).isEqualTo("invalid_name");
                        assertThat(e.isRetriable()).isFalse();
                    });
        }
        for (String path : List.of("relative.vmdk", "/var/lib/../../etc/shadow", "/a/./b.vmdk", "/a//b.vmdk")) {
            GuestSpec spec = mail().toBuilder().setDisks(0, mail().getDisks(0).toBuilder().setPath(path)).build();
            assertThatThrownBy(() -> DomainXmlWriter.write(spec, "qemu", UUID, LOG))
                    .isInstanceOfSatisfying(HypervisorException.class,
                            e -> assertThat(e.code()).isEqualTo("invalid_spec"))
                    .hasMessageContaining("path");
        }
        GuestSpec badMac = mail().toBuilder().setNics(0, mail().getNics(0).toBuilder().setMacAddress("00:50:56'/>"))
                .build();
        assertThatThrownBy(() -> DomainXmlWriter.write(badMac, "qemu", UUID, LOG)).hasMessageContaining("MAC");
        GuestSpec badNet = mail().toBuilder().setNics(0, mail().getNics(0).toBuilder().setNetwork("x'/><evil")).build();
        assertThatThrownBy(() -> DomainXmlWriter.write(badNet, "qemu", UUID, LOG)).hasMessageContaining("network");
    }

    @Test
    void theParserRefusesDoctypesAndExternalEntities() {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE domain [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<domain type='qemu'><name>&x;</name></domain>";

        assertThatThrownBy(() -> DomainXmlParser.parse(xxe, "hostA: domain evil"))
                .isInstanceOfSatisfying(HypervisorException.class, e -> assertThat(e.code()).isEqualTo("invalid_config"))
                .hasMessageContaining("hostA: domain evil").hasMessageContaining("DOCTYPE");
    }

    @Test
    void libvirtsOwnXmlIsRead() {
        String xml = """
                <domain type='kvm' id='3'>
                  <name>calendar</name>
                  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
                  <metadata>
                    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
                      <libosinfo:os id="http://debian.org/debian/12"/>
                    </libosinfo:libosinfo>
                  </metadata>
                  <memory unit='KiB'>1048576</memory>
                  <vcpu placement='static'>1</vcpu>
                  <os><type arch='i686' machine='pc-i440fx-7.2'>hvm</type><boot dev='hd'/></os>
                  <devices>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='qcow2'/>
                      <source file='/srv/cal.vmdk.lifeboat-20261130T090000Z-ab12.qcow2' index='2'/>
                      <backingStore type='file' index='1'>
                        <format type='vmdk'/>
                        <source file='/srv/cal.vmdk'/>
                        <backingStore/>
                      </backingStore>
                      <target dev='hda' bus='ide'/>
                    </disk>
                    <disk type='file' device='cdrom'>
                      <source file='/srv/install.iso'/>
                      <target dev='hdc' bus='ide'/>
                    </disk>
                    <interface type='network'>
                      <mac address='52:54:00:0A:0B:0C'/>
                      <source network='default'/>
                      <model type='rtl8139'/>
                    </interface>
                    <serial type='pty'>
                      <log file='/var/log/libvirt/qemu/calendar-serial0.log' append='off'/>
                      <target port='0'/>
                    </serial>
                  </devices>
                </domain>
                """;

        ParsedDomain p = DomainXmlParser.parse(xml, "test");

        assertThat(p.spec().getGuestOs()).isEqualTo("12");
        assertThat(p.spec().getBitness()).isEqualTo(io.lifeboat.protocol.v1.GuestBitness.GUEST_BITNESS_32);
        assertThat(p.spec().getMemoryBytes()).isEqualTo(1L << 30);
        assertThat(p.spec().getDisksList()).singleElement().satisfies(d -> {
            assertThat(d.getFormat()).isEqualTo(DiskFormat.DISK_FORMAT_QCOW2);
            assertThat(d.getAdapter()).isEqualTo(DiskAdapter.DISK_ADAPTER_IDE);
        });
        assertThat(p.backingPaths()).containsExactly("/srv/cal.vmdk");
        assertThat(p.spec().getNics(0).getMacAddress()).isEqualTo("52:54:00:0a:0b:0c");
        assertThat(p.spec().getNics(0).getModel()).isEqualTo(NicModel.NIC_MODEL_RTL8139);
        assertThat(p.spec().getNics(0).getNetwork()).isEqualTo("default");
        assertThat(p.serialLogPath()).isEqualTo("/var/log/libvirt/qemu/calendar-serial0.log");
    }

    @Test
    void capabilitiesTellKvmFromSoftwareEmulation() {
        String caps = """
                <capabilities>
                  <host><cpu><arch>x86_64</arch><model>Skylake-Client-IBRS</model><vendor>Intel</vendor>
                    <feature name='vmx'/><feature name='ss'/></cpu></host>
                  <guest><os_type>hvm</os_type><arch name='x86_64'><domain type='qemu'/></arch></guest>
                </capabilities>
                """;

        HostCapabilities c = HostCapabilities.parse(caps, "test");

        assertThat(c.kvm()).isFalse();
        assertThat(c.qemuDomainType()).isEqualTo("qemu");
        assertThat(c.extension()).isEqualTo(io.lifeboat.protocol.v1.VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X);
        assertThat(c.vendor()).isEqualTo(io.lifeboat.protocol.v1.CpuVendor.CPU_VENDOR_INTEL);
        assertThat(HostCapabilities.parse(caps.replace("<domain type='qemu'/>", "<domain type='qemu'/><domain type='kvm'/>"),
                "test").qemuDomainType()).isEqualTo("kvm");
    }

    @Test
    void overlaysAreNamedForStaleDetectionAndPasswordsAreRedacted() {
        assertThat(LibvirtDriver.overlayPath("/srv/a.vmdk", "lifeboat-20261130T090000Z-ab12"))
                .isEqualTo("/srv/a.vmdk.lifeboat-20261130T090000Z-ab12.qcow2");
        assertThat(LibvirtDriver.redact("qemu+ssh://root:hunter2@10.0.0.2/system"))
                .isEqualTo("qemu+ssh://root:***@10.0.0.2/system");
        assertThat(LibvirtDriver.version(9_000_000L)).isEqualTo("9.0.0");
        assertThat(LibvirtDriver.createType("twoGbMaxExtentSparse"))
                .isEqualTo(io.lifeboat.protocol.v1.VmdkCreateType.VMDK_CREATE_TYPE_TWO_GB_MAX_EXTENT_SPARSE);
        assertThat(LibvirtDriver.createType(null))
                .isEqualTo(io.lifeboat.protocol.v1.VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED);
    }
}
