package io.lifeboat.protocol;

import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.HelloAck;

/**
 * A lifeboat.v1 protocol version: peers with the same major version interoperate, whatever their minor versions.
 *
 * @param major incompatible changes bump it
 * @param minor compatible additions (new messages, new fields) bump it
 */
public record ProtocolVersion(int major, int minor) implements Comparable<ProtocolVersion> {

    /** The version this build speaks. */
    public static final ProtocolVersion CURRENT = new ProtocolVersion(1, 0);

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if a component is negative
     */
    public ProtocolVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("protocol version " + major + "." + minor + " has a negative component");
        }
    }

    /**
     * The version a peer announced in its hello.
     *
     * @param hello the peer's hello
     * @return the peer's version
     */
    public static ProtocolVersion of(Hello hello) {
        return new ProtocolVersion(hello.getProtocolMajor(), hello.getProtocolMinor());
    }

    /**
     * The version a peer announced when accepting our hello.
     *
     * @param ack the peer's acknowledgement
     * @return the peer's version
     */
    public static ProtocolVersion of(HelloAck ack) {
        return new ProtocolVersion(ack.getProtocolMajor(), ack.getProtocolMinor());
    }

    /**
     * Whether this side and {@code peer} can talk: same major version.
     *
     * @param peer the other side's version
     * @return true when the majors are equal
     */
    public boolean isCompatibleWith(ProtocolVersion peer) {
        return major == peer.major;
    }

    /**
     * Refuses a peer whose major version differs from this one.
     *
     * @param peer the peer's version
     * @param peerId the peer's host or coordinator id, named in the error
     * @return {@code peer}, when compatible
     * @throws IncompatibleProtocolVersionException when the major versions differ
     */
    public ProtocolVersion requireCompatible(ProtocolVersion peer, String peerId) {
        if (!isCompatibleWith(peer)) {
            throw new IncompatibleProtocolVersionException(peerId, peer, this);
        }
        return peer;
    }

    /**
     * Refuses a hello whose major version differs from {@link #CURRENT}.
     *
     * @param hello the hello received as the first message of a link
     * @return the peer's version, when compatible
     * @throws IncompatibleProtocolVersionException when the major versions differ
     */
    public static ProtocolVersion requireCompatible(Hello hello) {
        return CURRENT.requireCompatible(of(hello), hello.getSenderId());
    }

    @Override
    public int compareTo(ProtocolVersion other) {
        int byMajor = Integer.compare(major, other.major);
        return byMajor != 0 ? byMajor : Integer.compare(minor, other.minor);
    }

    /** Returns the version as {@code major.minor}. */
    @Override
    public String toString() {
        return major + "." + minor;
    }
}
