/** DR drills: schedules, the drill planner that boots and tears down drill copies guest by guest, and reports. */
package io.lifeboat.coordinator.drill;
