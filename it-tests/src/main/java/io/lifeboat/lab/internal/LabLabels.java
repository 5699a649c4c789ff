package io.lifeboat.lab.internal;

import java.util.HashMap;
import java.util.Map;

/** Docker labels that mark the lab's containers and networks, so that any process can find, sweep or check them. */
public final class LabLabels {
  /** Present (value {@code true}) on everything the lab creates. */
  public static final String LAB = "io.lifeboat.lab";
  /** The run id. */
  public static final String RUN = "io.lifeboat.lab.run";
  /** {@code test} (owned by a live JVM) or {@code cli} (lives until {@code lab down}). */
  public static final String MODE = "io.lifeboat.lab.mode";
  /** Mode label value of a lab owned by a test JVM. */
  public static final String MODE_TEST = "test";
  /** Mode label value of a lab started by {@code lab up}. */
  public static final String MODE_CLI = "cli";
  /** The host name of a lab host container, e.g. {@code hostA}. */
  public static final String HOST = "io.lifeboat.lab.host";
  /** The pid of the owning JVM (test mode). */
  public static final String OWNER_PID = "io.lifeboat.lab.ownerPid";
  /** The start instant (epoch ms) of the owning JVM, to tell pid reuse apart. */
  public static final String OWNER_START = "io.lifeboat.lab.ownerStart";
  /** The machine the owning JVM runs on. */
  public static final String OWNER_MACHINE = "io.lifeboat.lab.ownerMachine";
  /** Testcontainers' own session label; removed from CLI containers so that its JVM hook leaves them alone. */
  public static final String TESTCONTAINERS_SESSION = "org.testcontainers.sessionId";

  private LabLabels() {}

  /** The labels every object of one run carries. */
  public static Map<String, String> forRun(String runId, String mode, long ownerPid, long ownerStartMillis, String machine) {
    Map<String, String> labels = new HashMap<>();
    labels.put(LAB, "true");
    labels.put(RUN, runId);
    labels.put(MODE, mode);
    labels.put(OWNER_PID, Long.toString(ownerPid));
    labels.put(OWNER_START, Long.toString(ownerStartMillis));
    labels.put(OWNER_MACHINE, machine);
    return labels;
  }
}
