package io.lifeboat.protocol;

import io.lifeboat.protocol.v1.HelloRefused;
import io.lifeboat.protocol.v1.RefusalReason;

/** Thrown when a peer speaks a different major version of the lifeboat protocol. */
public final class IncompatibleProtocolVersionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String peerId;
    private final ProtocolVersion peerVersion;
    private final ProtocolVersion localVersion;

    /**
     * Creates the exception.
     *
     * @param peerId host or coordinator id of the peer
     * @param peerVersion the version the peer announced
     * @param localVersion the version this side speaks
     */
    public IncompatibleProtocolVersionException(String peerId, ProtocolVersion peerVersion, ProtocolVersion localVersion) {
        super("peer " + (peerId == null || peerId.isEmpty() ? "(unnamed)" : peerId)
                + " speaks lifeboat protocol " + peerVersion
                + ", this side speaks " + localVersion
                + ": major versions differ, upgrade the older side");
        this.peerId = peerId;
        this.peerVersion = peerVersion;
        this.localVersion = localVersion;
    }

    /** @return host or coordinator id of the refused peer */
    public String peerId() {
        return peerId;
    }

    /** @return the version the peer announced */
    public ProtocolVersion peerVersion() {
        return peerVersion;
    }

    /** @return the version this side speaks */
    public ProtocolVersion localVersion() {
        return localVersion;
    }

    /**
     * The refusal to send back before closing the link.
     *
     * @param responderId id of this side
     * @return a {@code HelloRefused} with reason {@code INCOMPATIBLE_VERSION} and this exception's message
     */
    public HelloRefused toHelloRefused(String responderId) {
        return HelloRefused.newBuilder()
                .setReason(RefusalReason.REFUSAL_REASON_INCOMPATIBLE_VERSION)
                .setMessage(getMessage())
                .setProtocolMajor(localVersion.major())
                .setProtocolMinor(localVersion.minor())
                .setResponderId(responderId)
                .build();
    }
}
