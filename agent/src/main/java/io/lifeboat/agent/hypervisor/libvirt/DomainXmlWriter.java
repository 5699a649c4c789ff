package io.lifeboat.agent.hypervisor.libvirt;

import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.DiskAdapter;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Firmware;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes libvirt domain XML from a guest spec with a real XML writer, so names and paths are escaped, never
 * spliced in; refuses what escaping cannot make safe (path separators or control characters in names, relative or
 * {@code ..} disk paths, malformed MACs).
 */
public final class DomainXmlWriter {

    /** Namespace of the Lifeboat metadata element that carries the guest id. */
    public static final String METADATA_NS = "https://lifeboat.io/xmlns/libvirt/guest/1";

    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x1f\\x7f]");
    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern NETWORK = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    private static final int MAX_NAME = 200;
    private static final Map<DiskBus, String> PREFIX = new EnumMap<>(Map.of(DiskBus.DISK_BUS_IDE, "hd",
            DiskBus.DISK_BUS_SCSI, "sd", DiskBus.DISK_BUS_SATA, "sd", DiskBus.DISK_BUS_VIRTIO, "vd",
            DiskBus.DISK_BUS_XEN, "xvd"));
    private static final Set<DiskBus> SCSI_LIKE = EnumSet.of(DiskBus.DISK_BUS_SCSI);

    private DomainXmlWriter() {
    }

    /**
     * The domain XML for {@code spec}.
     *
     * @param domainType    {@code kvm}, {@code qemu} or {@code xen}
     * @param uuid          the domain UUID to give it
     * @param serialLogPath file the first serial port is written to (boot evidence)
     * @throws HypervisorException (permanent, {@code invalid_name} / {@code invalid_spec}) for what cannot be
     *                             written safely
     */
    public static String write(GuestSpec spec, String domainType, String uuid, String serialLogPath) {
        checkName(spec.getName());
        if (!UUID.matcher(uuid).matches()) {
            throw invalid("uuid '" + uuid + "' is not a UUID");
        }
        checkPath("serial log", serialLogPath);
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            x.writeStartElement("domain");
            x.writeAttribute("type", domainType);
            text(x, "name", spec.getName());
            text(x, "uuid", uuid);
            if (!spec.getGuestId().isEmpty()) {
                x.writeStartElement("metadata");
                x.writeStartElement("lifeboat", "guest", METADATA_NS);
                x.writeNamespace("lifeboat", METADATA_NS);
                x.writeAttribute("id", spec.getGuestId());
                x.writeEndElement();
                x.writeEndElement();
            }
            long kib = Math.max(1024, spec.getMemoryBytes() / 1024);
            x.writeStartElement("memory");
            x.writeAttribute("unit", "KiB");
            x.writeCharacters(Long.toString(kib));
            x.writeEndElement();
            text(x, "vcpu", Integer.toString(Math.max(1, spec.getVcpus())));
            x.writeStartElement("os");
            if (spec.getFirmware() == Firmware.FIRMWARE_UEFI) {
                x.writeAttribute("firmware", "efi");
            }
            x.writeStartElement("type");
            x.writeAttribute("arch", "x86_64");
            x.writeCharacters("hvm");
            x.writeEndElement();
            x.writeEmptyElement("boot");
            x.writeAttribute("dev", "hd");
            x.writeEndElement();
            x.writeStartElement("features");
            x.writeEmptyElement("acpi");
            x.writeEndElement();
            text(x, "on_poweroff", "destroy");
            text(x, "on_reboot", "restart");
            text(x, "on_crash", "destroy");
            x.writeStartElement("devices");
            writeControllers(x, spec);
            Map<DiskBus, Integer> next = new EnumMap<>(DiskBus.class);
            for (DiskSpec d : spec.getDisksList()) {
                writeDisk(x, d, next);
            }
            for (NicSpec n : spec.getNicsList()) {
                writeNic(x, n);
            }
            x.writeStartElement("serial");
            x.writeAttribute("type", "file");
            x.writeEmptyElement("source");
            x.writeAttribute("path", serialLogPath);
            x.writeEmptyElement("target");
            x.writeAttribute("port", "0");
            x.writeEndElement();
            x.writeEmptyElement("memballoon");
            x.writeAttribute("model", "none");
            x.writeEndElement(); // devices
            x.writeEndElement(); // domain
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw invalid("guest '" + spec.getName() + "': cannot write domain XML: " + e.getMessage());
        }
        return out.toString();
    }

    /** Refuses a guest name that escaping cannot make safe: empty, too long, path separators, control characters. */
    public static String checkName(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME || name.indexOf('/') >= 0 || name.indexOf('\\') >= 0
                || CONTROL.matcher(name).find() || name.equals(".") || name.equals("..")) {
            throw new HypervisorException(io.lifeboat.protocol.v1.ErrorClass.ERROR_CLASS_PERMANENT, "invalid_name",
                    "guest name '" + CONTROL.matcher(name).replaceAll("?") + "' is not allowed: use 1-" + MAX_NAME
                            + " characters without '/', '\\' or control characters");
        }
        return name;
    }

    /** Refuses a host path that is not absolute and normalised, or holds control characters. */
    public static String checkPath(String what, String path) {
        if (path.isEmpty() || CONTROL.matcher(path).find() || !path.startsWith("/")) {
            throw invalid(what + " path '" + CONTROL.matcher(path).replaceAll("?") + "' must be absolute");
        }
        for (String segment : path.split("/")) {
            if (segment.equals("..") || segment.equals(".")) {
                throw invalid(what + " path '" + path + "' must not contain '.' or '..' segments");
            }
        }
        if (!Path.of(path).normalize().toString().equals(path)) {
            throw invalid(what + " path '" + path + "' is not normalised");
        }
        return path;
    }

    private static void writeControllers(XMLStreamWriter x, GuestSpec spec) throws XMLStreamException {
        for (DiskSpec d : spec.getDisksList()) {
            if (SCSI_LIKE.contains(d.getBus())) {
                x.writeEmptyElement("controller");
                x.writeAttribute("type", "scsi");
                x.writeAttribute("index", "0");
                x.writeAttribute("model", scsiModel(d.getAdapter()));
                return;
            }
        }
    }

    private static String scsiModel(DiskAdapter adapter) {
        switch (adapter) {
            case DISK_ADAPTER_BUSLOGIC:
                return "buslogic";
            case DISK_ADAPTER_LSILOGIC_SAS:
                return "lsisas1068";
            case DISK_ADAPTER_PVSCSI:
                return "vmpvscsi";
            case DISK_ADAPTER_VIRTIO_SCSI:
                return "virtio-scsi";
            default:
                return "lsilogic";
        }
    }

    private static void writeDisk(XMLStreamWriter x, DiskSpec d, Map<DiskBus, Integer> next) throws XMLStreamException {
        checkPath("disk", d.getPath());
        DiskBus bus = d.getBus() == DiskBus.DISK_BUS_UNSPECIFIED ? DiskBus.DISK_BUS_IDE : d.getBus();
        int index = next.merge(bus, 1, Integer::sum) - 1;
        String target = d.getTarget().matches("(hd|sd|vd|xvd)[a-z]{1,2}") && d.getTarget().startsWith(PREFIX.get(bus))
                ? d.getTarget() : PREFIX.get(bus) + (char) ('a' + index);
        x.writeStartElement("disk");
        x.writeAttribute("type", "file");
        x.writeAttribute("device", "disk");
        x.writeEmptyElement("driver");
        x.writeAttribute("name", "qemu");
        x.writeAttribute("type", format(d));
        x.writeEmptyElement("source");
        x.writeAttribute("file", d.getPath());
        x.writeEmptyElement("target");
        x.writeAttribute("dev", target);
        x.writeAttribute("bus", busName(bus));
        x.writeEndElement();
    }

    private static String format(DiskSpec d) {
        switch (d.getFormat()) {
            case DISK_FORMAT_VMDK:
                return "vmdk";
            case DISK_FORMAT_QCOW2:
                return "qcow2";
            case DISK_FORMAT_RAW:
                return "raw";
            default:
                throw invalid("disk " + d.getPath() + ": format unspecified");
        }
    }

    private static String busName(DiskBus bus) {
        switch (bus) {
            case DISK_BUS_SCSI:
                return "scsi";
            case DISK_BUS_SATA:
                return "sata";
            case DISK_BUS_VIRTIO:
                return "virtio";
            case DISK_BUS_XEN:
                return "xen";
            default:
                return "ide";
        }
    }

    private static void writeNic(XMLStreamWriter x, NicSpec n) throws XMLStreamException {
        if (!MAC.matcher(n.getMacAddress()).matches()) {
            throw invalid("NIC MAC address '" + CONTROL.matcher(n.getMacAddress()).replaceAll("?")
                    + "' is not lowercase hex with colons");
        }
        String network = n.getNetwork();
        x.writeStartElement("interface");
        if (network.isEmpty() || network.equals("user")) {
            x.writeAttribute("type", "user");
        } else if (network.startsWith("bridge:")) {
            checkNetwork(network.substring("bridge:".length()));
            x.writeAttribute("type", "bridge");
            x.writeEmptyElement("source");
            x.writeAttribute("bridge", network.substring("bridge:".length()));
        } else {
            checkNetwork(network);
            x.writeAttribute("type", "network");
            x.writeEmptyElement("source");
            x.writeAttribute("network", network);
        }
        x.writeEmptyElement("mac");
        x.writeAttribute("address", n.getMacAddress());
        x.writeEmptyElement("model");
        x.writeAttribute("type", nicModel(n.getModel()));
        x.writeEndElement();
    }

    private static void checkNetwork(String network) {
        if (!NETWORK.matcher(network).matches()) {
            throw invalid("network name '" + CONTROL.matcher(network).replaceAll("?") + "' is not allowed");
        }
    }

    static String nicModel(NicModel model) {
        switch (model) {
            case NIC_MODEL_E1000E:
                return "e1000e";
            case NIC_MODEL_PCNET:
                return "pcnet";
            case NIC_MODEL_VMXNET:
            case NIC_MODEL_VMXNET2:
            case NIC_MODEL_VMXNET3:
                return "vmxnet3";
            case NIC_MODEL_RTL8139:
                return "rtl8139";
            case NIC_MODEL_VIRTIO:
                return "virtio";
            case NIC_MODEL_XEN_NETFRONT:
                return "netfront";
            default:
                return "e1000";
        }
    }

    private static void text(XMLStreamWriter x, String element, String value) throws XMLStreamException {
        x.writeStartElement(element);
        x.writeCharacters(value);
        x.writeEndElement();
    }

    private static HypervisorException invalid(String message) {
        return HypervisorException.permanent("invalid_spec", message);
    }
}
