/**
 * The storage API: disk images ({@link io.lifeboat.storage.DiskImage}), restore points and the store. Formats live
 * in {@code vmdk} and {@code raw}, the chunk store in {@code store}, the wire protocol in {@code replication}.
 * Nothing here knows about hypervisors.
 */
package io.lifeboat.storage;
