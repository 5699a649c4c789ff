/** The storage module's picocli commands ({@code vmdk ...}, {@code store ...}, {@code bench ...}), registered by the launcher. */
package io.lifeboat.storage.cli;
