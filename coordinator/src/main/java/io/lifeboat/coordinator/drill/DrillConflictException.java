package io.lifeboat.coordinator.drill;

/** Thrown when a drill is asked of a plan whose drill is still running. */
public final class DrillConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String runningDrillId;

    /** Creates the exception for {@code plan}, whose drill {@code runningDrillId} runs. */
    public DrillConflictException(String plan, String runningDrillId) {
        super("plan " + plan + ": drill " + runningDrillId + " is still running");
        this.runningDrillId = runningDrillId;
    }

    /** The id of the drill that runs. */
    public String runningDrillId() {
        return runningDrillId;
    }
}
