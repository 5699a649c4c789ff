package io.lifeboat.coordinator.failback;

/**
 * Why a failback may not start now: the first unmet precondition.
 *
 * @param code a stable lower_snake code, e.g. {@code primary_not_up}
 * @param message one line naming the guest, the host and what is wrong
 */
public record FailbackRefusal(String code, String message) {
}
