package io.lifeboat.coordinator.client;

/**
 * One server-sent event as read from a {@code text/event-stream}.
 *
 * @param id its {@code id:} field, or empty
 * @param event its {@code event:} field, or {@code message} when absent
 * @param data its {@code data:} lines joined by newlines
 */
public record ServerSentEvent(String id, String event, String data) {
}
