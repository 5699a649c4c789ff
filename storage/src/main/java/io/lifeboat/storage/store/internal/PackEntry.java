package io.lifeboat.storage.store.internal;

/**
 * Where a chunk lives: pack file id, offset of its stored bytes, stored length, raw length and codec.
 *
 * @param pack   pack id (the file is {@code packs/<16 hex>.pack})
 * @param offset offset of the stored bytes in the pack
 * @param stored stored length
 * @param raw    length after decompression
 * @param codec  {@link ChunkCodec#RAW} or {@link ChunkCodec#ZSTD}
 */
public record PackEntry(long pack, int offset, int stored, int raw, byte codec) {
}
