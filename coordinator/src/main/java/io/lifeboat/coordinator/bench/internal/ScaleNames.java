package io.lifeboat.coordinator.bench.internal;

import java.util.UUID;

/** The ids of the scale benchmark's site, shared by its configuration and its simulated agents. */
public final class ScaleNames {

    /** The key id of the site's shared secret. */
    public static final String KEY_ID = "site";

    private ScaleNames() {
    }

    /** The id of host {@code index} (0-based). */
    public static String hostId(int index) {
        return "host" + index;
    }

    /** The index of a host id made by {@link #hostId(int)}, or -1 when it is not one. */
    public static int hostIndex(String hostId) {
        if (!hostId.startsWith("host") || hostId.length() == 4) {
            return -1;
        }
        try {
            return Integer.parseInt(hostId.substring(4));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The stable guest id of guest {@code guest} of host {@code host}. */
    public static String guestId(int host, int guest) {
        return new UUID(0x5ca1e00000004000L | ((long) host << 16), 0x8000000000000000L | guest).toString();
    }

    /** The name of guest {@code guest} of host {@code host}. */
    public static String guestName(int host, int guest) {
        return "vm" + host + "-" + guest;
    }

    /** The plan that recovers guests onto host {@code target}. */
    public static String planName(int target) {
        return "onto-" + hostId(target);
    }
}
