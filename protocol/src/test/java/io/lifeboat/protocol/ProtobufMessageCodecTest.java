package io.lifeboat.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.impl.MessageImpl;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class ProtobufMessageCodecTest {

    private Vertx vertx;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        join(vertx.close());
    }

    private static <T> T join(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Records the name of the codec the bus picked for each message sent. */
    private static List<String> recordCodecNames(EventBus bus) {
        List<String> names = new CopyOnWriteArrayList<>();
        bus.addOutboundInterceptor(context -> {
            MessageCodec<?, ?> codec = ((MessageImpl<?, ?>) context.message()).codec();
            names.add(codec == null ? "none" : codec.name());
            context.next();
        });
        return names;
    }

    @Test
    void generatedSubclassesTravelTheLocalBusThroughTheCodecSelectorAsTheSameInstance() throws Exception {
        EventBus bus = vertx.eventBus();
        ProtobufMessageCodec.install(bus);
        List<String> codecs = recordCodecNames(bus);
        AtomicReference<Object> seen = new AtomicReference<>();
        HostFacts facts = HostFacts.newBuilder().setHostId("hostA")
                .setHypervisorKind(HypervisorKind.HYPERVISOR_KIND_VMWARE_SERVER).build();
        bus.<Envelope>consumer(Addresses.hostCommands("hostA"), message -> {
            seen.set(message.body());
            message.reply(facts);
        });
        Envelope sent = MessageSamples.envelopeWith(Envelope.getDescriptor().findFieldByName("fence"));

        Object reply = join(bus.request(Addresses.hostCommands("hostA"), sent)).body();

        assertThat(seen.get()).isSameAs(sent);
        assertThat(reply).isSameAs(facts);
        assertThat(codecs).containsExactly(ProtobufMessageCodec.NAME, ProtobufMessageCodec.NAME);
    }

    @Test
    void withoutTheSelectorTheBusFallsBackToJavaSerialization() throws Exception {
        EventBus bus = vertx.eventBus();
        bus.registerCodec(new ProtobufMessageCodec());
        List<String> codecs = recordCodecNames(bus);
        AtomicReference<Object> seen = new AtomicReference<>();
        bus.consumer("lifeboat.test", message -> seen.set(message.body()));

        bus.send("lifeboat.test", Envelope.getDefaultInstance());

        await().atMost(Duration.ofSeconds(5)).until(() -> seen.get() != null);
        assertThat(codecs).containsExactly("serializable");
    }

    @Test
    void theSelectorNamesTheCodecOnlyForProtobufMessages() {
        assertThat(ProtobufMessageCodec.selector().apply(Timestamp.getDefaultInstance()))
                .isEqualTo(ProtobufMessageCodec.NAME);
        assertThat(ProtobufMessageCodec.selector().apply("a string")).isNull();
    }

    @TestFactory
    Stream<DynamicTest> everyPayloadSurvivesTheWireForm() {
        ProtobufMessageCodec sender = new ProtobufMessageCodec();
        ProtobufMessageCodec receiver = new ProtobufMessageCodec();
        return MessageSamples.payloadFields().stream().map(field -> DynamicTest.dynamicTest(field.getName(), () -> {
            Envelope envelope = MessageSamples.envelopeWith(field);
            Buffer wire = Buffer.buffer("prefix");
            sender.encodeToWire(wire, envelope);

            Message decoded = receiver.decodeFromWire(6, wire);

            assertThat(decoded).isInstanceOf(Envelope.class).isEqualTo(envelope);
        }));
    }

    @Test
    void nestedTypesAreDecodableOnTheirOwn() {
        ProtobufMessageCodec codec = new ProtobufMessageCodec();
        HostFacts facts = HostFacts.newBuilder().setHostId("hostB").setMemoryBytes(8L << 30).build();
        Buffer wire = Buffer.buffer();
        new ProtobufMessageCodec().encodeToWire(wire, facts);

        assertThat(codec.decodeFromWire(0, wire)).isEqualTo(facts);
        assertThat(codec.knownTypes()).contains("lifeboat.v1.Envelope", "lifeboat.v1.DiskSpec",
                "lifeboat.v1.CommandHeader", "google.protobuf.Timestamp", "google.protobuf.Duration");
    }

    @Test
    void anUnknownTypeIsAClearError() {
        ProtobufMessageCodec receiver = new ProtobufMessageCodec(List.of(Timestamp.getDefaultInstance()));
        Buffer wire = Buffer.buffer();
        new ProtobufMessageCodec().encodeToWire(wire, Envelope.getDefaultInstance());

        assertThatThrownBy(() -> receiver.decodeFromWire(0, wire))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("event-bus message of unknown protobuf type lifeboat.v1.Envelope: register it with"
                        + " ProtobufMessageCodec.register");
    }

    @Test
    void aCorruptBodyIsAClearError() {
        Buffer wire = Buffer.buffer();
        new ProtobufMessageCodec().encodeToWire(wire, Envelope.newBuilder().setSender("hostA").build());
        wire.setByte(wire.length() - 7, (byte) 0x7F);

        assertThatThrownBy(() -> new ProtobufMessageCodec().decodeFromWire(0, wire))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("event-bus message of type lifeboat.v1.Envelope: ");
    }
}
