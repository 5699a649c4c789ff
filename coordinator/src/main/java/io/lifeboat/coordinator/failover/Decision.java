package io.lifeboat.coordinator.failover;

import java.util.List;

import io.lifeboat.protocol.v1.JournalRecord;

/**
 * What a planner decided: records to journal (fsync) first, then commands to send (I4).
 *
 * @param records journal records, in order
 * @param commands commands to send once the records are durable
 */
public record Decision(List<JournalRecord> records, List<OutboundCommand> commands) {

    /** Creates the decision, copying the lists. */
    public Decision {
        records = List.copyOf(records);
        commands = List.copyOf(commands);
    }

    /** Whether nothing was decided. */
    public boolean isEmpty() {
        return records.isEmpty() && commands.isEmpty();
    }
}
