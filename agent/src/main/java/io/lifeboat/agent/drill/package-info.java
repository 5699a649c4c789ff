/** DR drills on a standby: a copy-on-write drill copy of a restore point, booted in isolation, verified, torn down. */
package io.lifeboat.agent.drill;
