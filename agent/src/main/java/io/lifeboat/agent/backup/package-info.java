/** The backup cycle: snapshot, read the frozen bases, incremental push to the standby store, commit, release. */
package io.lifeboat.agent.backup;
