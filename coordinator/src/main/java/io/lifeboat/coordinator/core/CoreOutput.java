package io.lifeboat.coordinator.core;

import java.util.List;

import io.lifeboat.coordinator.failover.OutboundCommand;
import io.lifeboat.protocol.v1.JournalRecord;

/**
 * What the core decided for one input.
 *
 * @param records journal records; the caller makes them durable before it sends {@code commands} (I4)
 * @param commands commands for agents, sent only once {@code records} are durable
 * @param replies link replies (lease grants) that change no state and may go out at once
 */
public record CoreOutput(List<JournalRecord> records, List<OutboundCommand> commands, List<OutboundCommand> replies) {

    /** Creates the output, copying the lists. */
    public CoreOutput {
        records = List.copyOf(records);
        commands = List.copyOf(commands);
        replies = List.copyOf(replies);
    }
}
