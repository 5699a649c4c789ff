package io.lifeboat.coordinator.client;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lifeboat restore GUEST POINT}: asks the coordinator to recover one guest from a restore point of the admin's
 * choice onto its standby ({@code POST /api/v1/guests/{id}/restore}), with the confirmation, options and progress of
 * {@link FailoverCommand}.
 */
@Command(name = "restore",
        description = "Restore a guest from a chosen restore point onto its standby (admin), e.g. after ransomware or "
        + "a bad update: stop the guest on its host first. GUEST is a name or an id; POINT a restore point id as "
        + "'lifeboat status' or GET /api/v1/guests/{id}/points lists them. Asks for confirmation unless --yes; "
        + "--wait follows progress until FAILED_OVER and prints RTO and RPO.")
public final class RestoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** GUEST, the connection, --yes, --primary-confirmed-off, --wait, --timeout and --json, as for failover. */
    @Mixin
    FailoverCommand recovery = new FailoverCommand();

    @Parameters(index = "1", paramLabel = "POINT", description = "The restore point id (<guest id>/<UTC time>).")
    String point;

    @Override
    public Integer call() {
        recovery.spec = spec;
        return recovery.recover(point);
    }
}
