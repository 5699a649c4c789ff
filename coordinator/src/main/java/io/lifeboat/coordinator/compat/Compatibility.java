package io.lifeboat.coordinator.compat;

/** The three answers of the compatibility engine. */
public enum Compatibility {
    /** The guest runs on the target as it is. */
    OK,
    /** The guest runs on the target after the verdict's conversion steps. */
    CONVERT,
    /** The guest cannot run on the target; the verdict says why. */
    REFUSE
}
