package io.lifeboat.storage.store;

/**
 * What a garbage collection did.
 *
 * @param chunksLive     chunks referenced by a point or an in-progress session
 * @param chunksRemoved  chunks dropped
 * @param packsDeleted   packs deleted because nothing in them was live
 * @param packsRewritten packs rewritten to drop their dead chunks
 * @param packsKeptYoung packs left alone because they are younger than the grace period
 * @param bytesFreed     bytes of pack files released
 */
public record GcReport(long chunksLive, long chunksRemoved, long packsDeleted, long packsRewritten,
                       long packsKeptYoung, long bytesFreed) {
}
