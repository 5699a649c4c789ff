package io.lifeboat.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.Envelope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The rules of SCHEMA.md, checked against the compiled descriptors and the .proto sources. */
class SchemaRulesTest {

    private static final Path PROTO_DIR = Path.of("src/main/proto/lifeboat/v1");

    private static final Pattern OUTER_CLASS = Pattern.compile(
            "^option java_outer_classname = \"(\\w+)\";$", Pattern.MULTILINE);

    /** Every .proto file of the module, by its import path, loaded through its generated outer class. */
    private static Map<String, FileDescriptor> allFiles() throws IOException {
        Map<String, FileDescriptor> files = new LinkedHashMap<>();
        for (Path source : protoSources()) {
            String name = "lifeboat/v1/" + source.getFileName();
            Matcher outer = OUTER_CLASS.matcher(Files.readString(source));
            assertThat(outer.find()).as(name + " sets option java_outer_classname").isTrue();
            try {
                Class<?> type = Class.forName("io.lifeboat.protocol.v1." + outer.group(1));
                files.put(name, (FileDescriptor) type.getMethod("getDescriptor").invoke(null));
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(name + ": no generated class " + outer.group(1), e);
            }
        }
        return files;
    }

    /** The .proto files that define what travels on the wire: the Envelope's file and its imports. */
    private static Map<String, FileDescriptor> wireFiles() {
        Map<String, FileDescriptor> files = new LinkedHashMap<>();
        List<FileDescriptor> pending = new ArrayList<>(List.of(Envelope.getDescriptor().getFile()));
        while (!pending.isEmpty()) {
            FileDescriptor file = pending.remove(0);
            if (file.getPackage().equals("lifeboat.v1") && files.putIfAbsent(file.getName(), file) == null) {
                pending.addAll(file.getDependencies());
            }
        }
        return files;
    }

    private static List<Path> protoSources() throws IOException {
        try (Stream<Path> list = Files.list(PROTO_DIR)) {
            return list.filter(p -> p.toString().endsWith(".proto")).sorted().toList();
        }
    }

    private static List<Descriptor> messagesOf(Iterable<FileDescriptor> files) {
        List<Descriptor> out = new ArrayList<>();
        List<Descriptor> pending = new ArrayList<>();
        files.forEach(f -> pending.addAll(f.getMessageTypes()));
        while (!pending.isEmpty()) {
            Descriptor d = pending.remove(0);
            out.add(d);
            pending.addAll(d.getNestedTypes());
        }
        return out;
    }

    @Test
    void everyProtoFileIsProto3InTheAgreedPackageWithTheAgreedOptions() throws IOException {
        Map<String, FileDescriptor> files = allFiles();

        assertThat(files.keySet()).containsAll(wireFiles().keySet());
        for (FileDescriptor file : files.values()) {
            assertThat(file.toProto().getSyntax()).as(file.getName()).isEqualTo("proto3");
            assertThat(file.getPackage()).as(file.getName()).isEqualTo("lifeboat.v1");
            assertThat(file.getOptions().getJavaPackage()).as(file.getName()).isEqualTo("io.lifeboat.protocol.v1");
            assertThat(file.getOptions().getJavaMultipleFiles()).as(file.getName()).isTrue();
        }
    }

    @Test
    void everyMessageOfTheWireFilesIsReachableFromTheEnvelope() {
        ProtobufMessageCodec codec = new ProtobufMessageCodec();

        assertThat(codec.knownTypes())
                .containsAll(messagesOf(wireFiles().values()).stream().map(Descriptor::getFullName).toList());
    }

    @Test
    void everyEnumStartsWithAnUnspecifiedZeroAndPrefixesItsValues() throws IOException {
        List<EnumDescriptor> enums = new ArrayList<>();
        Map<String, FileDescriptor> files = allFiles();
        files.values().forEach(f -> enums.addAll(f.getEnumTypes()));
        messagesOf(files.values()).forEach(m -> enums.addAll(m.getEnumTypes()));

        assertThat(enums).isNotEmpty();
        for (EnumDescriptor type : enums) {
            String prefix = type.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase() + "_";
            assertThat(type.findValueByNumber(0).getName()).as(type.getFullName()).isEqualTo(prefix + "UNSPECIFIED");
            type.getValues().forEach(v -> assertThat(v.getName()).as(type.getFullName()).startsWith(prefix));
        }
    }

    @Test
    void everyCommandCarriesAHeaderWithEpochAndCommandIdFirst() {
        List<FieldDescriptor> commands = MessageSamples.payloadFields().stream()
                .filter(f -> f.getMessageType().getFile().getName().equals("lifeboat/v1/commands.proto"))
                .toList();

        assertThat(commands).hasSize(13);
        for (FieldDescriptor command : commands) {
            FieldDescriptor header = command.getMessageType().findFieldByNumber(1);
            assertThat(header.getName()).as(command.getName()).isEqualTo("header");
            assertThat(header.getMessageType()).as(command.getName()).isEqualTo(CommandHeader.getDescriptor());
        }
        assertThat(CommandHeader.getDescriptor().findFieldByName("epoch").getType())
                .isEqualTo(FieldDescriptor.Type.UINT64);
    }

    private static final Pattern DECLARATION = Pattern.compile(
            "^\\s*(message|enum|oneof)\\s+\\w+\\s*\\{\\s*$"
            + "|^\\s*(repeated\\s+|optional\\s+)?[A-Za-z_][\\w.]*\\s+[a-z_]\\w*\\s*=\\s*\\d+\\s*;.*$"
            + "|^\\s*[A-Z][A-Z0-9_]*\\s*=\\s*\\d+\\s*;.*$");

    @Test
    void everyMessageFieldEnumAndValueIsDocumentedAndNoneIsRequired() throws IOException {
        List<String> undocumented = new ArrayList<>();
        for (Path file : protoSources()) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                assertThat(line).as(file + ":" + (i + 1)).doesNotContainPattern("^\\s*required\\s");
                if (DECLARATION.matcher(line).matches()) {
                    String previous = i == 0 ? "" : lines.get(i - 1).trim();
                    if (!previous.startsWith("//")) {
                        undocumented.add(file.getFileName() + ":" + (i + 1) + ": " + line.trim());
                    }
                }
            }
        }
        assertThat(undocumented).as("declarations without a // comment on the line before").isEmpty();
    }
}
