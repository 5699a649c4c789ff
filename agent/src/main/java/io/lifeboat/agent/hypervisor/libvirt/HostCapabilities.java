package io.lifeboat.agent.hypervisor.libvirt;

import io.lifeboat.protocol.v1.CpuVendor;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What libvirt's capabilities XML says about a host: CPU vendor, model and virtualisation flags, 64-bit support,
 * and whether guests can use KVM (else the domain type is {@code qemu}, software emulation).
 *
 * @param vendor    CPU vendor
 * @param model     CPU model name as libvirt reports it
 * @param extension VT-x, AMD-V or none
 * @param x86_64    whether the host runs x86_64 guests
 * @param kvm       whether a {@code kvm} domain type is offered
 */
public record HostCapabilities(CpuVendor vendor, String model, VirtualizationExtension extension, boolean x86_64,
                               boolean kvm) {

    /** Parses the capabilities XML ({@code virsh capabilities}). */
    public static HostCapabilities parse(String xml, String where) {
        Element root = DomainXmlParser.document(xml, where).getDocumentElement();
        CpuVendor vendor = CpuVendor.CPU_VENDOR_UNSPECIFIED;
        String model = "";
        VirtualizationExtension ext = VirtualizationExtension.VIRTUALIZATION_EXTENSION_NONE;
        boolean x8664 = false;
        NodeList hosts = root.getElementsByTagName("host");
        if (hosts.getLength() > 0) {
            Element host = (Element) hosts.item(0);
            NodeList cpus = host.getElementsByTagName("cpu");
            if (cpus.getLength() > 0) {
                Element cpu = (Element) cpus.item(0);
                String arch = textOf(cpu, "arch");
                x8664 = arch.equals("x86_64");
                String v = textOf(cpu, "vendor");
                vendor = switch (v) {
                    case "Intel" -> CpuVendor.CPU_VENDOR_INTEL;
                    case "AMD" -> CpuVendor.CPU_VENDOR_AMD;
                    case "" -> CpuVendor.CPU_VENDOR_UNSPECIFIED;
                    default -> CpuVendor.CPU_VENDOR_OTHER;
                };
                model = textOf(cpu, "model");
                NodeList features = cpu.getElementsByTagName("feature");
                for (int i = 0; i < features.getLength(); i++) {
                    String name = ((Element) features.item(i)).getAttribute("name");
                    if (name.equals("vmx")) {
                        ext = VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X;
                    } else if (name.equals("svm")) {
                        ext = VirtualizationExtension.VIRTUALIZATION_EXTENSION_AMD_V;
                    }
                }
            }
        }
        boolean kvm = false;
        NodeList domains = root.getElementsByTagName("domain");
        for (int i = 0; i < domains.getLength(); i++) {
            if ("kvm".equals(((Element) domains.item(i)).getAttribute("type"))) {
                kvm = true;
            }
        }
        NodeList guestArch = root.getElementsByTagName("arch");
        for (int i = 0; i < guestArch.getLength(); i++) {
            if ("x86_64".equals(((Element) guestArch.item(i)).getAttribute("name"))) {
                x8664 = true;
            }
        }
        return new HostCapabilities(vendor, model, ext, x8664, kvm);
    }

    /** The libvirt domain type guests get here: {@code kvm} when available, else {@code qemu}. */
    public String qemuDomainType() {
        return kvm ? "kvm" : "qemu";
    }

    /** Fills the CPU facts into {@code facts}. */
    public HostFacts.Builder fill(HostFacts.Builder facts) {
        return facts.setCpuVendor(vendor).setCpuModel(model).setVirtualizationExtension(extension)
                .setCpu64BitCapable(x86_64);
    }

    private static String textOf(Element parent, String tag) {
        NodeList l = parent.getElementsByTagName(tag);
        return l.getLength() == 0 ? "" : l.item(0).getTextContent().strip();
    }
}
