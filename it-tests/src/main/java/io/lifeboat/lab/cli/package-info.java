/** The {@code lab} command line: bring the lab up and down, kill, restart, partition and heal its hosts. */
package io.lifeboat.lab.cli;
