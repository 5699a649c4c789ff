package io.lifeboat.protocol;

/**
 * Event-bus addresses of Lifeboat: dotted names under {@code lifeboat.}, with ids validated as single segments.
 */
public final class Addresses {

    /** Prefix of every Lifeboat address. */
    public static final String PREFIX = "lifeboat.";

    /** Where every event (heartbeats aside) is published, as an {@code Envelope}. */
    public static final String EVENTS = "lifeboat.events";

    /** Where link verticles send every envelope received from an agent, for the coordinator's logic. */
    public static final String AGENT_INBOUND = "lifeboat.agent.inbound";

    /** Where link verticles publish heartbeats and lease renewals (kept off {@link #EVENTS}: one per host per second). */
    public static final String HEARTBEATS = "lifeboat.heartbeats";

    /** Longest id accepted as an address segment. */
    public static final int MAX_ID_LENGTH = 128;

    private Addresses() {
    }

    /**
     * Commands for the agent of a host: {@code lifeboat.host.<hostId>.cmd}; consumed by the verticle holding its link.
     *
     * @param hostId the host id
     * @return the address
     * @throws IllegalArgumentException if the id is not a valid address segment
     */
    public static String hostCommands(String hostId) {
        return "lifeboat.host." + requireSegment("host id", hostId) + ".cmd";
    }

    /**
     * Events about one host: {@code lifeboat.host.<hostId>.events}.
     *
     * @param hostId the host id
     * @return the address
     * @throws IllegalArgumentException if the id is not a valid address segment
     */
    public static String hostEvents(String hostId) {
        return "lifeboat.host." + requireSegment("host id", hostId) + ".events";
    }

    /**
     * Events about one guest: {@code lifeboat.guest.<guestId>.events}.
     *
     * @param guestId the guest id (a UUID string)
     * @return the address
     * @throws IllegalArgumentException if the id is not a valid address segment
     */
    public static String guestEvents(String guestId) {
        return "lifeboat.guest." + requireSegment("guest id", guestId) + ".events";
    }

    /**
     * Requests to one coordinator node: {@code lifeboat.coordinator.<nodeId>}.
     *
     * @param nodeId the coordinator node id
     * @return the address
     * @throws IllegalArgumentException if the id is not a valid address segment
     */
    public static String coordinator(String nodeId) {
        return "lifeboat.coordinator." + requireSegment("coordinator id", nodeId);
    }

    /**
     * Checks that an id can stand as one segment of a dotted address.
     *
     * @param what what the id names, for the error message (e.g. "host id")
     * @param id the id
     * @return {@code id}
     * @throws IllegalArgumentException if the id is null, empty, longer than {@link #MAX_ID_LENGTH}, or contains a
     *     dot, whitespace or a control character
     */
    public static String requireSegment(String what, String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty: an address needs a non-empty id");
        }
        if (id.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException(what + " '" + id.substring(0, 16) + "...' has " + id.length()
                    + " characters, more than the " + MAX_ID_LENGTH + " allowed in an address");
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c == '.') {
                throw new IllegalArgumentException(what + " '" + id + "' contains a dot at index " + i
                        + ": ids are single address segments");
            }
            if (Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c)) {
                throw new IllegalArgumentException(what + " '" + printable(id) + "' contains whitespace or a control"
                        + " character (U+" + String.format("%04X", (int) c) + ") at index " + i);
            }
        }
        return id;
    }

    /**
     * Whether an id can stand as one segment of a dotted address.
     *
     * @param id the id
     * @return true if {@link #requireSegment} would accept it
     */
    public static boolean isValidSegment(String id) {
        try {
            requireSegment("id", id);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String printable(String id) {
        StringBuilder out = new StringBuilder(id.length());
        id.codePoints().forEach(cp -> {
            if (Character.isISOControl(cp)) {
                out.append(String.format("\\u%04X", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }
}
