package io.lifeboat.agent.hypervisor.libvirt;

import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.DiskAdapter;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Firmware;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads libvirt domain XML back into a guest spec with a hardened parser: no DOCTYPE, no external entities or
 * schemas, no XInclude. Disks are the {@code device='disk'} file or block devices; CD-ROMs and floppies are left out.
 */
public final class DomainXmlParser {

    private DomainXmlParser() {
    }

    /** Parses {@code xml}; {@code where} names the domain and endpoint for errors. */
    public static ParsedDomain parse(String xml, String where) {
        Element domain = document(xml, where).getDocumentElement();
        if (!"domain".equals(domain.getNodeName())) {
            throw HypervisorException.permanent("invalid_config", where + ": root element is <"
                    + domain.getNodeName() + ">, not <domain>");
        }
        GuestSpec.Builder spec = GuestSpec.newBuilder()
                .setName(child(domain, "name") == null ? "" : child(domain, "name").getTextContent())
                .setHypervisorUuid(text(child(domain, "uuid")))
                .setMemoryBytes(memoryBytes(child(domain, "memory")))
                .setVcpus(parseInt(text(child(domain, "vcpu")), 0));
        Element metadata = child(domain, "metadata");
        if (metadata != null) {
            NodeList guests = metadata.getElementsByTagNameNS(DomainXmlWriter.METADATA_NS, "guest");
            if (guests.getLength() > 0) {
                spec.setGuestId(((Element) guests.item(0)).getAttribute("id"));
            }
            NodeList os = metadata.getElementsByTagNameNS("http://libosinfo.org/xmlns/libvirt/domain/1.0", "os");
            if (os.getLength() > 0) {
                String id = ((Element) os.item(0)).getAttribute("id");
                spec.setGuestOs(id.substring(id.lastIndexOf('/', id.length() - 2) + 1).replace("/", ""));
            }
        }
        Element os = child(domain, "os");
        if (os != null) {
            Element type = child(os, "type");
            boolean efi = "efi".equals(os.getAttribute("firmware")) || child(os, "loader") != null
                    && "pflash".equals(child(os, "loader").getAttribute("type"));
            spec.setFirmware(efi ? Firmware.FIRMWARE_UEFI : Firmware.FIRMWARE_BIOS);
            if (type != null && type.getAttribute("arch").matches("i[3-6]86")) {
                spec.setBitness(GuestBitness.GUEST_BITNESS_32);
            }
        }
        String serialLog = "";
        List<String> backing = new ArrayList<>();
        Element devices = child(domain, "devices");
        if (devices != null) {
            String scsiModel = "";
            for (Element c : children(devices, "controller")) {
                if ("scsi".equals(c.getAttribute("type")) && scsiModel.isEmpty()) {
                    scsiModel = c.getAttribute("model");
                }
            }
            for (Element disk : children(devices, "disk")) {
                if (!"disk".equals(disk.getAttribute("device")) && !disk.getAttribute("device").isEmpty()) {
                    continue;
                }
                spec.addDisks(disk(disk, scsiModel));
                Element store = child(disk, "backingStore");
                Element storeSource = store == null ? null : child(store, "source");
                backing.add(storeSource == null ? "" : sourcePath(storeSource));
            }
            for (Element nic : children(devices, "interface")) {
                spec.addNics(nic(nic));
            }
            for (Element serial : children(devices, "serial")) {
                Element source = child(serial, "source");
                Element log = child(serial, "log");
                if ("file".equals(serial.getAttribute("type")) && source != null) {
                    serialLog = source.getAttribute("path");
                } else if (log != null) {
                    serialLog = log.getAttribute("file");
                }
                if (!serialLog.isEmpty()) {
                    break;
                }
            }
        }
        return new ParsedDomain(spec.build(), serialLog, backing);
    }

    private static DiskSpec disk(Element disk, String scsiModel) {
        DiskSpec.Builder d = DiskSpec.newBuilder();
        Element source = child(disk, "source");
        if (source != null) {
            d.setPath(sourcePath(source));
        }
        Element driver = child(disk, "driver");
        String type = driver == null ? "raw" : driver.getAttribute("type");
        d.setFormat(switch (type) {
            case "vmdk" -> DiskFormat.DISK_FORMAT_VMDK;
            case "qcow2" -> DiskFormat.DISK_FORMAT_QCOW2;
            case "raw", "" -> DiskFormat.DISK_FORMAT_RAW;
            default -> DiskFormat.DISK_FORMAT_UNSPECIFIED;
        });
        Element target = child(disk, "target");
        if (target != null) {
            d.setTarget(target.getAttribute("dev"));
            String bus = target.getAttribute("bus");
            switch (bus) {
                case "ide" -> d.setBus(DiskBus.DISK_BUS_IDE).setAdapter(DiskAdapter.DISK_ADAPTER_IDE);
                case "scsi" -> d.setBus(DiskBus.DISK_BUS_SCSI).setAdapter(scsiAdapter(scsiModel));
                case "sata" -> d.setBus(DiskBus.DISK_BUS_SATA).setAdapter(DiskAdapter.DISK_ADAPTER_AHCI);
                case "virtio" -> d.setBus(DiskBus.DISK_BUS_VIRTIO);
                case "xen" -> d.setBus(DiskBus.DISK_BUS_XEN);
                default -> d.setBus(DiskBus.DISK_BUS_UNSPECIFIED);
            }
        }
        return d.build();
    }

    private static String sourcePath(Element source) {
        String file = source.getAttribute("file");
        return file.isEmpty() ? source.getAttribute("dev") : file;
    }

    private static DiskAdapter scsiAdapter(String model) {
        return switch (model) {
            case "buslogic" -> DiskAdapter.DISK_ADAPTER_BUSLOGIC;
            case "lsisas1068", "lsisas1078" -> DiskAdapter.DISK_ADAPTER_LSILOGIC_SAS;
            case "vmpvscsi" -> DiskAdapter.DISK_ADAPTER_PVSCSI;
            case "virtio-scsi" -> DiskAdapter.DISK_ADAPTER_VIRTIO_SCSI;
            default -> DiskAdapter.DISK_ADAPTER_LSILOGIC;
        };
    }

    private static NicSpec nic(Element nic) {
        NicSpec.Builder n = NicSpec.newBuilder();
        Element mac = child(nic, "mac");
        if (mac != null) {
            n.setMacAddress(mac.getAttribute("address").toLowerCase(Locale.ROOT));
        }
        Element model = child(nic, "model");
        n.setModel(switch (model == null ? "" : model.getAttribute("type")) {
            case "e1000", "e1000-82540em", "e1000-82544gc", "e1000-82545em" -> NicModel.NIC_MODEL_E1000;
            case "e1000e" -> NicModel.NIC_MODEL_E1000E;
            case "pcnet" -> NicModel.NIC_MODEL_PCNET;
            case "vmxnet3" -> NicModel.NIC_MODEL_VMXNET3;
            case "rtl8139" -> NicModel.NIC_MODEL_RTL8139;
            case "virtio" -> NicModel.NIC_MODEL_VIRTIO;
            case "netfront" -> NicModel.NIC_MODEL_XEN_NETFRONT;
            default -> NicModel.NIC_MODEL_UNSPECIFIED;
        });
        Element source = child(nic, "source");
        switch (nic.getAttribute("type")) {
            case "network" -> n.setNetwork(source == null ? "" : source.getAttribute("network"));
            case "bridge" -> n.setNetwork(source == null ? "" : "bridge:" + source.getAttribute("bridge"));
            default -> n.setNetwork("");
        }
        return n.build();
    }

    private static long memoryBytes(Element memory) {
        if (memory == null) {
            return 0;
        }
        long value = parseLong(text(memory));
        String unit = memory.getAttribute("unit");
        long factor = switch (unit.isEmpty() ? "KiB" : unit) {
            case "b", "bytes" -> 1L;
            case "KB" -> 1000L;
            case "k", "KiB" -> 1024L;
            case "MB" -> 1000_000L;
            case "M", "MiB" -> 1L << 20;
            case "GB" -> 1000_000_000L;
            case "G", "GiB" -> 1L << 30;
            default -> 1024L;
        };
        return value * factor;
    }

    static Document document(String xml, String where) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            return b.parse(new InputSource(new StringReader(xml)));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw HypervisorException.permanent("invalid_config", where + ": domain XML refused: "
                    + String.valueOf(e.getMessage()).strip());
        }
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName() == null ? e.getNodeName() : e.getLocalName())
                    && e.getNamespaceURI() == null) {
                return e;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName()) && e.getNamespaceURI() == null) {
                out.add(e);
            }
        }
        return out;
    }

    private static String text(Element e) {
        return e == null ? "" : e.getTextContent().strip();
    }

    private static int parseInt(String s, int fallback) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
