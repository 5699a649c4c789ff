package io.lifeboat.storage.store;

import io.lifeboat.storage.store.internal.AtomicFiles;
import io.lifeboat.storage.store.internal.PackEntry;
import io.lifeboat.storage.store.internal.PackFiles;
import io.lifeboat.storage.store.internal.PackReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Re-hashes every chunk of every pack, quarantines chunks whose bytes no longer match their id, then checks each
 * restore point and marks unusable ({@code .bad}) those that need a chunk with no good copy.
 */
final class Scrubber {

    private final ChunkStore store;

    Scrubber(ChunkStore store) {
        this.store = store;
    }

    ScrubReport run() throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[BackupSession.MAX_CHUNK];
        byte[] digest = new byte[ChunkId.LENGTH];
        Set<String> quarantined = store.quarantined();
        Set<String> newlyBad = new HashSet<>();
        List<String> corrupt = new ArrayList<>();
        List<String> damaged = new ArrayList<>();
        Set<ChunkId> good = new HashSet<>();
        long checked = 0;
        long bytes = 0;
        Map<ChunkId, PackEntry> toc = new HashMap<>();
        for (Path pack : PackFiles.list(store.packDir())) {
            toc.clear();
            long packId = PackFiles.idOf(pack);
            try {
                PackFiles.readToc(pack, packId, toc);
            } catch (IOException e) {
                damaged.add(e.getMessage());
                continue;
            }
            try (PackReader r = new PackReader(store.packDir())) {
                for (var e : toc.entrySet()) {
                    String key = ChunkStore.quarantineKey(packId, e.getKey());
                    if (quarantined.contains(key)) {
                        continue;
                    }
                    boolean ok;
                    try {
                        int n = r.read(e.getValue(), buf, 0);
                        sha.update(buf, 0, n);
                        sha.digest(digest, 0, digest.length);
                        ok = e.getKey().matches(digest, 0);
                        bytes += n;
                    } catch (IOException | DigestException ex) {
                        ok = false;
                    }
                    checked++;
                    if (ok) {
                        good.add(e.getKey());
                    } else {
                        newlyBad.add(key);
                        corrupt.add(PackFiles.fileName(packId) + " " + e.getKey().hex());
                    }
                }
            }
        }
        if (!newlyBad.isEmpty()) {
            store.addQuarantined(newlyBad);
        }
        List<RestorePointId> unusable = new ArrayList<>();
        long points = 0;
        for (RestorePointId p : store.points(null)) {
            points++;
            String reason = null;
            try {
                RestorePoint rp = store.load(p);
                outer:
                for (DiskManifest d : rp.disks()) {
                    for (int i = 0; i < d.chunks().size(); i++) {
                        ChunkId c = d.chunks().id(i);
                        if (!good.contains(c)) {
                            reason = "disk " + d.name() + " grain " + d.chunks().grain(i) + ": chunk " + c
                                    + " missing or corrupt";
                            break outer;
                        }
                    }
                }
            } catch (IOException e) {
                reason = e.getMessage();
            }
            if (reason != null) {
                unusable.add(p);
                if (store.unusableReason(p) == null) {
                    AtomicFiles.write(store.pointFile(p, ".bad"),
                            ByteBuffer.wrap((reason + "\n").getBytes(StandardCharsets.UTF_8)));
                }
            } else if (store.unusableReason(p) != null) {
                unusable.add(p);
            }
        }
        return new ScrubReport(checked, bytes, corrupt, damaged, points, unusable);
    }
}
