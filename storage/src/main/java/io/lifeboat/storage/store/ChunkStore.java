package io.lifeboat.storage.store;

import io.lifeboat.storage.store.internal.AtomicFiles;
import io.lifeboat.storage.store.internal.ManifestCodec;
import io.lifeboat.storage.store.internal.PackEntry;
import io.lifeboat.storage.store.internal.PackFiles;
import io.lifeboat.storage.store.internal.StoreLock;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A restore-point store in a directory: chunks in pack files, one manifest per restore point, pins, unusable
 * marks, in-progress backup sessions. Thread-safe; several processes may share a directory.
 *
 * <p>Layout: {@code store.json}; {@code packs/<id>.pack}; {@code points/<guest>/<yyyyMMddTHHmmssZ>.point} (plus
 * {@code .bad} when a scrub marked it unusable and {@code .pin-<reason>} while pinned); {@code sessions/<id>.session};
 * {@code quarantine/chunks}; {@code lock}; {@code gc.generation}.
 */
public final class ChunkStore {

    private final Path dir;
    private final Path packs;
    private final Path pointsDir;
    private final Path sessions;
    private final Path quarantineFile;
    private final String storeId;
    private final StoreLock lock;
    private volatile Map<ChunkId, PackEntry> index = new ConcurrentHashMap<>();
    private volatile long generation;

    private ChunkStore(Path dir) throws IOException {
        this.dir = dir;
        this.packs = dir.resolve("packs");
        this.pointsDir = dir.resolve("points");
        this.sessions = dir.resolve("sessions");
        this.quarantineFile = dir.resolve("quarantine").resolve("chunks");
        Files.createDirectories(packs);
        Files.createDirectories(pointsDir);
        Files.createDirectories(sessions);
        Files.createDirectories(quarantineFile.getParent());
        Path meta = dir.resolve("store.json");
        if (!Files.exists(meta)) {
            AtomicFiles.write(meta, ByteBuffer.wrap(new JsonObject().put("format", "lifeboat-store-1")
                    .put("storeId", UUID.randomUUID().toString()).encodePrettily().getBytes(StandardCharsets.UTF_8)));
        }
        JsonObject m;
        try {
            m = new JsonObject(Files.readString(meta));
        } catch (RuntimeException e) {
            throw new IOException(meta + ": not a store description: " + e.getMessage(), e);
        }
        if (!"lifeboat-store-1".equals(m.getString("format"))) {
            throw new IOException(meta + ": store format '" + m.getString("format") + "' not supported");
        }
        this.storeId = m.getString("storeId");
        this.lock = StoreLock.of(dir);
        reload();
    }

    /** Opens the store at {@code dir}, creating it if missing, and loads the chunk index from the packs. */
    public static ChunkStore open(Path dir) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        if (Files.exists(d) && !Files.isDirectory(d)) {
            throw new IOException(d + ": store path is not a directory");
        }
        Files.createDirectories(d);
        return new ChunkStore(d);
    }

    public Path directory() {
        return dir;
    }

    /** The store's random id, fixed at creation. */
    public String storeId() {
        return storeId;
    }

    /** Whether a verified copy of chunk {@code id} is stored. */
    public boolean contains(ChunkId id) {
        return index.containsKey(id);
    }

    /** Number of distinct chunks stored. */
    public int chunkCount() {
        return index.size();
    }

    /** Starts a backup session that will commit one restore point for {@code guestId}. */
    public BackupSession beginSession(String sessionId, String guestId) throws IOException {
        RestorePointId.checkGuest(guestId);
        if (!sessionId.matches("[A-Za-z0-9-]{1,64}")) {
            throw new IllegalArgumentException("session id '" + sessionId + "' is not valid");
        }
        return new BackupSession(this, sessionId, guestId);
    }

    /** Restore point ids, oldest first; all guests when {@code guestId} is null. */
    public List<RestorePointId> points(String guestId) throws IOException {
        List<RestorePointId> out = new ArrayList<>();
        List<String> guests = new ArrayList<>();
        if (guestId != null) {
            guests.add(RestorePointId.checkGuest(guestId));
        } else {
            try (var s = Files.newDirectoryStream(pointsDir)) {
                for (Path p : s) {
                    guests.add(p.getFileName().toString());
                }
            }
        }
        for (String g : guests) {
            Path gd = pointsDir.resolve(g);
            if (!Files.isDirectory(gd)) {
                continue;
            }
            try (var s = Files.newDirectoryStream(gd, "*.point")) {
                for (Path p : s) {
                    String n = p.getFileName().toString();
                    out.add(new RestorePointId(g, RestorePointId.parseStamp(n.substring(0, n.length() - 6), g + "/" + n)));
                }
            }
        }
        Collections.sort(out);
        return out;
    }

    /** Reads the manifest of {@code id}. */
    public RestorePoint load(RestorePointId id) throws IOException {
        try {
            return ManifestCodec.read(pointFile(id, ".point"));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(dir + ": no restore point " + id);
        }
    }

    /** Why {@code id} is unusable, or null when no scrub marked it bad. */
    public String unusableReason(RestorePointId id) throws IOException {
        Path bad = pointFile(id, ".bad");
        return Files.exists(bad) ? Files.readString(bad).trim() : null;
    }

    /**
     * Whether {@code id} is verified: every chunk it lists is present in the store (every stored chunk was
     * hash-checked on arrival) and no scrub marked it bad.
     */
    public boolean isVerified(RestorePoint point) throws IOException {
        if (unusableReason(point.id()) != null) {
            return false;
        }
        for (DiskManifest d : point.disks()) {
            for (int i = 0; i < d.chunks().size(); i++) {
                if (!index.containsKey(d.chunks().id(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Pins {@code id} for {@code reason} (failover, failback, drill, restore): retention and GC keep it. */
    public void pin(RestorePointId id, String reason) throws IOException {
        checkReason(reason);
        if (!Files.exists(pointFile(id, ".point"))) {
            throw new NoSuchFileException(dir + ": no restore point " + id + " to pin");
        }
        AtomicFiles.write(pointFile(id, ".pin-" + reason), ByteBuffer.wrap(Instant.now().toString()
                .getBytes(StandardCharsets.US_ASCII)));
    }

    /** Removes the pin {@code reason} from {@code id}. */
    public void unpin(RestorePointId id, String reason) throws IOException {
        checkReason(reason);
        Files.deleteIfExists(pointFile(id, ".pin-" + reason));
        AtomicFiles.fsyncDirectory(pointFile(id, ".point").getParent());
    }

    /** The reasons {@code id} is pinned for. */
    public Set<String> pins(RestorePointId id) throws IOException {
        Set<String> out = new TreeSet<>();
        Path gd = pointsDir.resolve(id.guestId());
        if (Files.isDirectory(gd)) {
            try (var s = Files.newDirectoryStream(gd, id.stamp() + ".pin-*")) {
                for (Path p : s) {
                    String n = p.getFileName().toString();
                    out.add(n.substring(n.indexOf(".pin-") + 5));
                }
            }
        }
        return out;
    }

    /** Opens a reader of chunk bytes; one per thread. */
    public ChunkReader reader() {
        return new ChunkReader(this);
    }

    /** Applies {@code policy} to every guest's points, never removing pinned ones. */
    @SuppressWarnings("try") // the lock is held for the block, never referenced
    public RetentionReport applyRetention(RetentionPolicy policy) throws IOException {
        try (StoreLock.Held h = lock.exclusive()) {
            List<RestorePointId> removed = new ArrayList<>();
            List<RestorePointId> kept = new ArrayList<>();
            Map<String, List<RestorePointId>> byGuest = new HashMap<>();
            for (RestorePointId p : points(null)) {
                byGuest.computeIfAbsent(p.guestId(), g -> new ArrayList<>()).add(p);
            }
            for (List<RestorePointId> ps : byGuest.values()) {
                Set<RestorePointId> pinned = new HashSet<>();
                for (RestorePointId p : ps) {
                    if (!pins(p).isEmpty()) {
                        pinned.add(p);
                    }
                }
                Set<RestorePointId> keep = policy.keep(ps, pinned);
                for (RestorePointId p : ps) {
                    if (keep.contains(p)) {
                        kept.add(p);
                    } else {
                        Files.deleteIfExists(pointFile(p, ".point"));
                        Files.deleteIfExists(pointFile(p, ".bad"));
                        removed.add(p);
                    }
                }
                if (!ps.isEmpty()) {
                    AtomicFiles.fsyncDirectory(pointsDir.resolve(ps.get(0).guestId()));
                }
            }
            Collections.sort(kept);
            Collections.sort(removed);
            return new RetentionReport(kept, removed);
        }
    }

    /** Mark-and-sweep garbage collection; chunks in packs younger than {@code grace} always survive. */
    @SuppressWarnings("try") // the lock is held for the block, never referenced
    public GcReport collectGarbage(Duration grace, Instant now) throws IOException {
        try (StoreLock.Held h = lock.exclusive()) {
            GcReport r = new GarbageCollector(this).run(grace, now);
            bumpGeneration();
            reload();
            return r;
        }
    }

    /** Re-hashes every stored chunk, quarantines bad ones and marks the points that need them unusable. */
    @SuppressWarnings("try") // the lock is held for the block, never referenced
    public ScrubReport scrub() throws IOException {
        try (StoreLock.Held h = lock.exclusive()) {
            ScrubReport r = new Scrubber(this).run();
            bumpGeneration();
            reload();
            return r;
        }
    }

    // ---- package-private plumbing for sessions, GC and scrub

    Path packDir() {
        return packs;
    }

    Path sessionDir() {
        return sessions;
    }

    Path pointFile(RestorePointId id, String suffix) {
        return pointsDir.resolve(id.guestId()).resolve(id.stamp() + suffix);
    }

    StoreLock lock() {
        return lock;
    }

    PackEntry entry(ChunkId id) {
        return index.get(id);
    }

    void indexAll(Map<ChunkId, PackEntry> entries) {
        index.putAll(entries);
    }

    /** Reloads the index when garbage collection or a scrub (maybe in another process) changed the packs. */
    void reloadIfChanged() throws IOException {
        if (readGeneration() != generation) {
            reload();
        }
    }

    synchronized void reload() throws IOException {
        long gen = readGeneration();
        Map<ChunkId, PackEntry> fresh = loadIndex();
        index = fresh;
        generation = gen;
    }

    /** Reads every pack's table of contents, skipping quarantined (pack, chunk) pairs and damaged packs. */
    Map<ChunkId, PackEntry> loadIndex() throws IOException {
        Map<ChunkId, PackEntry> fresh = new ConcurrentHashMap<>();
        Set<String> quarantined = quarantined();
        Map<ChunkId, PackEntry> one = new HashMap<>();
        for (Path p : PackFiles.list(packs)) {
            one.clear();
            try {
                PackFiles.readToc(p, PackFiles.idOf(p), one);
            } catch (IOException e) {
                continue; // a damaged pack contributes nothing; scrub reports it
            }
            for (var e : one.entrySet()) {
                if (!quarantined.contains(quarantineKey(e.getValue().pack(), e.getKey()))) {
                    fresh.put(e.getKey(), e.getValue());
                }
            }
        }
        return fresh;
    }

    Set<String> quarantined() throws IOException {
        Set<String> q = new HashSet<>();
        if (Files.exists(quarantineFile)) {
            for (String line : Files.readAllLines(quarantineFile)) {
                if (!line.isBlank()) {
                    q.add(line.trim());
                }
            }
        }
        return q;
    }

    void addQuarantined(Set<String> keys) throws IOException {
        Set<String> all = new TreeSet<>(quarantined());
        all.addAll(keys);
        AtomicFiles.write(quarantineFile, ByteBuffer.wrap((String.join("\n", all) + "\n")
                .getBytes(StandardCharsets.US_ASCII)));
    }

    static String quarantineKey(long pack, ChunkId id) {
        return PackFiles.fileName(pack) + " " + id.hex();
    }

    private long readGeneration() throws IOException {
        Path f = dir.resolve("gc.generation");
        return Files.exists(f) ? Long.parseLong(Files.readString(f).trim()) : 0;
    }

    private void bumpGeneration() throws IOException {
        long next = readGeneration() + 1;
        AtomicFiles.write(dir.resolve("gc.generation"), ByteBuffer.wrap(Long.toString(next)
                .getBytes(StandardCharsets.US_ASCII)));
    }

    private static void checkReason(String reason) {
        if (!reason.matches("[a-z][a-z0-9-]{0,31}")) {
            throw new IllegalArgumentException("pin reason '" + reason + "' is not valid (lower-case word)");
        }
    }
}
