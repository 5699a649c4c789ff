/** Manual failback of a failed-over guest to its primary: preconditions, the journaled phases, and rollback. */
package io.lifeboat.coordinator.failback;
