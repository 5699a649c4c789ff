package io.lifeboat.agent.vmx;

/** A {@code .vmx} file, or a value meant for one, is malformed or hostile; the message names the file and the line or key. */
public final class VmxFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message one line naming what is wrong and where
   */
  public VmxFormatException(String message) {
    super(message);
  }
}
