package io.lifeboat.storage.store.internal;

import io.lifeboat.storage.store.ChunkId;
import io.lifeboat.storage.store.ChunkList;
import io.lifeboat.storage.store.DiskManifest;
import io.lifeboat.storage.store.RestorePoint;
import io.lifeboat.storage.store.RestorePointId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The restore-point manifest file: {@code LBPT}, version, a JSON header (id, source cycle, root digest, disks and
 * their format facts), each disk's chunk list as (grain index, id) pairs, and a SHA-256 of everything before it.
 */
public final class ManifestCodec {

    private static final int MAGIC = 0x4c425054; // LBPT
    private static final int VERSION = 1;
    private static final int ENTRY = 8 + ChunkId.LENGTH;

    private ManifestCodec() {
    }

    /** Encodes {@code point}. */
    public static ByteBuffer encode(RestorePoint point) {
        JsonArray disks = new JsonArray();
        long entries = 0;
        for (DiskManifest d : point.disks()) {
            disks.add(new JsonObject().put("name", d.name()).put("capacity", d.capacity())
                    .put("grainSize", d.grainSize()).put("format", d.format()).put("createType", d.createType())
                    .put("adapterType", d.adapterType()).put("chunks", d.chunks().size()));
            entries += d.chunks().size();
        }
        byte[] json = new JsonObject().put("id", point.id().toString()).put("sourceCycleId", point.sourceCycleId())
                .put("rootDigest", point.rootDigest()).put("disks", disks).encode()
                .getBytes(StandardCharsets.UTF_8);
        long size = 12L + json.length + entries * ENTRY + 32;
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("restore point " + point.id() + " too large for one manifest");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size);
        b.putInt(MAGIC).putInt(VERSION).putInt(json.length).put(json);
        byte[] id = new byte[ChunkId.LENGTH];
        for (DiskManifest d : point.disks()) {
            ChunkList l = d.chunks();
            for (int i = 0; i < l.size(); i++) {
                l.copyId(i, id, 0);
                b.putLong(l.grain(i)).put(id);
            }
        }
        MessageDigest md = PackFiles.sha256();
        md.update(b.array(), 0, b.position());
        b.put(md.digest());
        b.flip();
        return b;
    }

    /** Reads and checks the manifest at {@code file}. */
    public static RestorePoint read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        try {
            if (all.length < 12 + 32) {
                throw new IOException(file + ": manifest too short (" + all.length + " bytes)");
            }
            MessageDigest md = PackFiles.sha256();
            md.update(all, 0, all.length - 32);
            if (!MessageDigest.isEqual(md.digest(), java.util.Arrays.copyOfRange(all, all.length - 32, all.length))) {
                throw new IOException(file + ": manifest fails its SHA-256 (damaged)");
            }
            ByteBuffer b = ByteBuffer.wrap(all, 0, all.length - 32);
            if (b.getInt() != MAGIC) {
                throw new IOException(file + ": not a restore point manifest (magic)");
            }
            int version = b.getInt();
            if (version != VERSION) {
                throw new IOException(file + ": manifest version " + version + " not supported (expected " + VERSION + ")");
            }
            int jsonLen = b.getInt();
            if (jsonLen < 0 || jsonLen > b.remaining()) {
                throw new IOException(file + ": manifest header length " + jsonLen + " beyond end of file");
            }
            JsonObject head = new JsonObject(new String(all, 12, jsonLen, StandardCharsets.UTF_8));
            b.position(12 + jsonLen);
            List<DiskManifest> disks = new ArrayList<>();
            for (Object o : head.getJsonArray("disks")) {
                JsonObject d = (JsonObject) o;
                int n = d.getInteger("chunks");
                if (n < 0 || (long) n * ENTRY > b.remaining()) {
                    throw new IOException(file + ": disk " + d.getString("name") + " lists " + n
                            + " chunks beyond end of file");
                }
                ChunkList.Builder cl = ChunkList.builder(n);
                byte[] id = new byte[ChunkId.LENGTH];
                for (int i = 0; i < n; i++) {
                    long g = b.getLong();
                    b.get(id);
                    cl.add(g, id, 0);
                }
                disks.add(new DiskManifest(d.getString("name"), d.getLong("capacity"), d.getInteger("grainSize"),
                        d.getString("format"), d.getString("createType"), d.getString("adapterType"), cl.build()));
            }
            RestorePoint p = new RestorePoint(RestorePointId.parse(head.getString("id")),
                    head.getString("sourceCycleId"), disks, head.getString("rootDigest"));
            if (!RestorePoint.rootDigest(disks).equals(p.rootDigest())) {
                throw new IOException(file + ": root digest does not match the chunk lists");
            }
            return p;
        } catch (RuntimeException e) {
            throw new IOException(file + ": malformed manifest: " + e.getMessage(), e);
        }
    }
}
