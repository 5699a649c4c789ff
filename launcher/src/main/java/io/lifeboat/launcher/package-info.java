/** The {@code ./lifeboat} command line: one entry point that registers the command classes each module owns. */
package io.lifeboat.launcher;
