package io.lifeboat.agent.fence;

import io.vertx.core.Future;
import java.util.List;

/** Hard-stops every protected guest of this host now (the driver's fence, adapted to guest ids). */
@FunctionalInterface
public interface Fencer {
  /**
   * Fences.
   *
   * @param reason why, for the log
   * @return the guest ids that were running and were stopped
   */
  Future<List<String>> fence(String reason);
}
