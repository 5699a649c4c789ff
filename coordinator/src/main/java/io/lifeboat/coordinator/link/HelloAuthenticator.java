package io.lifeboat.coordinator.link;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import io.lifeboat.protocol.Addresses;
import io.lifeboat.protocol.HelloCredentials;
import io.lifeboat.protocol.ProtocolVersion;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.HelloRefused;
import io.lifeboat.protocol.v1.RefusalReason;
import io.lifeboat.protocol.v1.Role;

/**
 * Decides whether an agent's Hello opens a link: a known, address-safe host id, the same protocol major, and
 * {@link HelloCredentials} (HMAC-SHA256, constant-time check) made with a configured secret — the host's own key
 * when it has one.
 */
public final class HelloAuthenticator {

    /** Shortest nonce accepted, in bytes. */
    public static final int MIN_NONCE_BYTES = HelloCredentials.NONCE_BYTES;

    private final String nodeId;
    private final Map<String, byte[]> secrets;
    private final Map<String, Optional<String>> keyIdByHost;

    /**
     * Creates the authenticator.
     *
     * @param nodeId this coordinator's id, named in refusals
     * @param secrets key id → shared secret
     * @param keyIdByHost every known host → the key id it must use (empty: any configured key)
     */
    public HelloAuthenticator(String nodeId, Map<String, byte[]> secrets, Map<String, Optional<String>> keyIdByHost) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.secrets = Map.copyOf(secrets);
        this.keyIdByHost = Map.copyOf(keyIdByHost);
    }

    /** Returns the refusal to send for {@code hello}, or empty when the link may open. */
    public Optional<HelloRefused> check(Hello hello) {
        String sender = hello.getSenderId();
        if (hello.getRole() != Role.ROLE_AGENT) {
            return refuse(RefusalReason.REFUSAL_REASON_MALFORMED, "hello from '" + printable(sender) + "' to "
                    + "coordinator " + nodeId + " has role " + hello.getRole() + ", expected ROLE_AGENT");
        }
        if (!Addresses.isValidSegment(sender)) {
            return refuse(RefusalReason.REFUSAL_REASON_MALFORMED, "hello to coordinator " + nodeId + ": sender id '"
                    + printable(sender) + "' is not an address-safe id");
        }
        ProtocolVersion peer = ProtocolVersion.of(hello);
        if (!ProtocolVersion.CURRENT.isCompatibleWith(peer)) {
            return refuse(RefusalReason.REFUSAL_REASON_INCOMPATIBLE_VERSION, "peer " + sender + " speaks lifeboat "
                    + "protocol " + peer + ", coordinator " + nodeId + " speaks " + ProtocolVersion.CURRENT
                    + ": major versions differ");
        }
        if (!keyIdByHost.containsKey(sender)) {
            return refuse(RefusalReason.REFUSAL_REASON_UNKNOWN_SENDER, "host " + sender + " is not in the "
                    + "configuration of coordinator " + nodeId);
        }
        String keyId = hello.getCredentials().getKeyId();
        Optional<String> required = keyIdByHost.get(sender);
        byte[] secret = secrets.get(keyId);
        if (secret == null || (required.isPresent() && !required.get().equals(keyId))) {
            return refuse(RefusalReason.REFUSAL_REASON_BAD_CREDENTIALS, "host " + sender + " used key id '"
                    + printable(keyId) + "', which coordinator " + nodeId + " does not accept from it");
        }
        byte[] nonce = hello.getCredentials().getNonce().toByteArray();
        if (nonce.length < MIN_NONCE_BYTES) {
            return refuse(RefusalReason.REFUSAL_REASON_BAD_CREDENTIALS, "host " + sender + " sent a "
                    + nonce.length + "-byte nonce, at least " + MIN_NONCE_BYTES + " are needed");
        }
        if (!new HelloCredentials(keyId, secret).verify(hello)) {
            return refuse(RefusalReason.REFUSAL_REASON_BAD_CREDENTIALS, "host " + sender + ": credentials for key '"
                    + keyId + "' do not verify at coordinator " + nodeId);
        }
        return Optional.empty();
    }

    private Optional<HelloRefused> refuse(RefusalReason reason, String message) {
        return Optional.of(HelloRefused.newBuilder().setReason(reason).setMessage(message)
                .setProtocolMajor(ProtocolVersion.CURRENT.major()).setProtocolMinor(ProtocolVersion.CURRENT.minor())
                .setResponderId(nodeId).build());
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().limit(64).forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
