package io.lifeboat.agent.restore;

import io.lifeboat.agent.fence.AtomicFiles;
import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.MaterialiseResult;
import io.lifeboat.protocol.v1.VmdkCreateType;
import io.lifeboat.storage.ImageFormat;
import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.DiskManifest;
import io.lifeboat.storage.store.RestorePoint;
import io.lifeboat.storage.store.RestorePointId;
import io.lifeboat.storage.store.RestorePointWriter;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Writes the disks of a restore point from the agent's store as files its hypervisor runs (sparse raw, or VMDK
 * monolithicSparse; the result says which), one per disk, named {@code <guest id>-<disk index>.raw|.vmdk}, inside the configured guest
 * directories only. Blocking: call it on a worker thread.
 *
 * <p>Each disk file gets a hidden marker {@code .<file>.lifeboat.json} naming the point, disk and format it holds
 * and the file's size, modification time and identity once written. A repeated command finds the file untouched and
 * returns the same result without writing; an existing file that is not an untouched materialisation (a guest ran on
 * it, or Lifeboat did not write it) is never overwritten.
 */
public final class RestorePointMaterialiser {
  private static final String PIN = "materialise";

  private final String hostId;
  private final ChunkStore store;
  private final String storeName;
  private final List<Path> guestDirs;
  private final ConcurrentHashMap<Path, Object> locks = new ConcurrentHashMap<>();

  /**
   * Creates the materialiser.
   *
   * @param hostId this host's id, for messages
   * @param store the agent's store
   * @param storeName the store's configured id, for messages
   * @param guestDirs absolute directories under which disks may be written
   */
  public RestorePointMaterialiser(String hostId, ChunkStore store, String storeName, List<Path> guestDirs) {
    this.hostId = hostId;
    this.store = store;
    this.storeName = storeName;
    this.guestDirs = guestDirs.stream().map(p -> p.toAbsolutePath().normalize()).toList();
  }

  /**
   * Writes every disk of a point into a directory, or finds them already written from the same point.
   *
   * @param guestId the guest the point belongs to
   * @param pointId the point id, {@code <guest id>/<yyyyMMddTHHmmssZ>}
   * @param format RAW or VMDK (QCOW2 is written as raw)
   * @param createType for VMDK: any hosted subformat, written as monolithicSparse; VMFS is refused
   * @param destinationDir an absolute directory inside one of the guest directories
   * @return the disks written (in the point's order) and the data bytes written
   * @throws HypervisorException naming what and where, when the command is invalid or the point unusable; nothing
   *     is written then
   * @throws IOException when writing fails (a partly written disk never appears under its name)
   */
  public MaterialiseResult materialise(String guestId, String pointId, DiskFormat format, VmdkCreateType createType,
      String destinationDir) throws IOException {
    return materialise(guestId, pointId, format, createType, destinationDir, guestId);
  }

  /**
   * Writes every disk of a point into a directory as {@code <fileStem>-<disk index>.raw|.vmdk}, or finds them already
   * written from the same point (drills write their read-only bases as {@code base-<i>.vmdk}).
   *
   * @param guestId the guest the point belongs to
   * @param pointId the point id, {@code <guest id>/<yyyyMMddTHHmmssZ>}
   * @param format RAW or VMDK (QCOW2 is written as raw)
   * @param createType for VMDK: any hosted subformat, written as monolithicSparse; VMFS is refused
   * @param destinationDir an absolute directory inside one of the guest directories
   * @param fileStem the file name before {@code -<disk index>}: letters, digits, '-' and '_' only
   * @return the disks written (in the point's order) and the data bytes written
   * @throws HypervisorException naming what and where, when the command is invalid or the point unusable
   * @throws IOException when writing fails
   */
  public MaterialiseResult materialise(String guestId, String pointId, DiskFormat format, VmdkCreateType createType,
      String destinationDir, String fileStem) throws IOException {
    if (!fileStem.matches("[A-Za-z0-9_-]{1,64}")) {
      throw invalid("file name stem \"" + fileStem.replaceAll("\\p{Cntrl}", "?") + "\" is not allowed");
    }
    ImageFormat imageFormat = imageFormat(format, createType);
    RestorePointId id = pointId(guestId, pointId);
    Path dest = destination(destinationDir);
    RestorePoint point = verifiedPoint(id);
    synchronized (locks.computeIfAbsent(dest, d -> new Object())) {
      checkRealPath(dest, destinationDir);
      Files.createDirectories(dest);
      checkRealPath(dest, destinationDir);
      List<Path> targets = new ArrayList<>();
      List<Marker> found = new ArrayList<>();
      for (int i = 0; i < point.disks().size(); i++) {
        Path target = dest.resolve(fileStem + "-" + i + (imageFormat == ImageFormat.VMDK ? ".vmdk" : ".raw"));
        targets.add(target);
        found.add(existing(target, point, i, imageFormat));
      }
      MaterialiseResult.Builder result = MaterialiseResult.newBuilder();
      long bytes = 0;
      store.pin(id, PIN);
      try {
        for (int i = 0; i < targets.size(); i++) {
          Marker m = found.get(i);
          if (m == null) {
            m = write(point, i, targets.get(i), imageFormat);
          }
          bytes += m.bytesWritten();
          DiskManifest disk = point.disks().get(i);
          DiskSpec.Builder spec = DiskSpec.newBuilder().setPath(targets.get(i).toString())
              .setCapacityBytes(capacity(disk, imageFormat));
          if (imageFormat == ImageFormat.VMDK) {
            spec.setFormat(DiskFormat.DISK_FORMAT_VMDK)
                .setVmdkCreateType(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE);
          } else {
            spec.setFormat(DiskFormat.DISK_FORMAT_RAW);
          }
          result.addDisks(spec);
        }
      } finally {
        store.unpin(id, PIN);
      }
      return result.setBytesWritten(bytes).build();
    }
  }

  private static long capacity(DiskManifest disk, ImageFormat format) {
    return format == ImageFormat.VMDK ? (disk.capacity() + 511) / 512 * 512 : disk.capacity();
  }

  /**
   * The format written for a requested one: the nearest this agent writes that the same hypervisors run. RAW is
   * written as sparse raw; QCOW2 (asked only for QEMU, which runs raw) as sparse raw too; any hosted VMDK subformat
   * as monolithicSparse, which every hypervisor that runs hosted VMDKs runs. The result reports what was written.
   */
  private ImageFormat imageFormat(DiskFormat format, VmdkCreateType createType) {
    if (format == DiskFormat.DISK_FORMAT_RAW || format == DiskFormat.DISK_FORMAT_QCOW2) {
      return ImageFormat.RAW;
    }
    if (format == DiskFormat.DISK_FORMAT_VMDK && createType != VmdkCreateType.VMDK_CREATE_TYPE_VMFS
        && createType != VmdkCreateType.UNRECOGNIZED) {
      return ImageFormat.VMDK;
    }
    throw HypervisorException.permanent("unsupported_format", "agent " + hostId + " materialises RAW or hosted VMDK"
        + " (monolithicSparse) disks, not " + format + (format == DiskFormat.DISK_FORMAT_VMDK ? " " + createType : ""));
  }

  private RestorePointId pointId(String guestId, String pointId) {
    RestorePointId id;
    try {
      RestorePointId.checkGuest(guestId);
      id = RestorePointId.parse(pointId);
    } catch (IllegalArgumentException e) {
      throw HypervisorException.permanent("invalid_point", "agent " + hostId + ": " + e.getMessage());
    }
    if (!id.guestId().equals(guestId)) {
      throw HypervisorException.permanent("invalid_point", "agent " + hostId + ": restore point " + pointId
          + " belongs to guest " + id.guestId() + ", not to " + guestId);
    }
    return id;
  }

  private RestorePoint verifiedPoint(RestorePointId id) throws IOException {
    if (!store.points(id.guestId()).contains(id)) {
      throw HypervisorException.permanent("no_such_point", "agent " + hostId + ": store " + storeName + " ("
          + store.directory() + ") has no restore point " + id);
    }
    RestorePoint point = store.load(id);
    if (!store.isVerified(point)) {
      String why = store.unusableReason(id);
      throw HypervisorException.permanent("point_unusable", "agent " + hostId + ": restore point " + id + " in store "
          + storeName + " (" + store.directory() + ") is not usable" + (why == null ? ": chunks missing" : ": " + why));
    }
    return point;
  }

  /** Checks the text of the destination before anything touches the file system. */
  private Path destination(String text) {
    String shown = text.replaceAll("\\p{Cntrl}", "?");
    if (text.isEmpty() || !text.startsWith("/")) {
      throw invalid("destination_dir \"" + shown + "\" is not an absolute path");
    }
    if (!shown.equals(text)) {
      throw invalid("destination_dir \"" + shown + "\" holds control characters");
    }
    for (String segment : text.split("/")) {
      if (segment.equals("..") || segment.equals(".")) {
        throw invalid("destination_dir \"" + text + "\" holds a '" + segment + "' segment");
      }
    }
    Path dest = Path.of(text).normalize();
    if (guestDirs.stream().noneMatch(dest::startsWith)) {
      throw invalid("destination_dir \"" + text + "\" is outside the guest directories " + guestDirs);
    }
    return dest;
  }

  /**
   * Refuses a destination that a symbolic link leads out of its guest directory (created first when missing: the
   * configuration names it).
   */
  private void checkRealPath(Path dest, String text) throws IOException {
    Path real = null;
    for (Path g : guestDirs) {
      if (dest.startsWith(g)) {
        Files.createDirectories(g);
        Path existing = dest;
        while (!Files.exists(existing)) {
          existing = existing.getParent();
        }
        real = existing.toRealPath();
        if (real.startsWith(g.toRealPath())) {
          return;
        }
      }
    }
    throw invalid("destination_dir \"" + text + "\" leads to " + real + ", outside the guest directories "
        + guestDirs);
  }

  private HypervisorException invalid(String what) {
    return HypervisorException.permanent("invalid_destination", "agent " + hostId + ": " + what);
  }

  /**
   * What an existing target holds.
   *
   * @return the marker when the target is this very disk, untouched since written; null when the target must be
   *     (re)written
   * @throws HypervisorException when the target exists and must not be overwritten
   */
  private Marker existing(Path target, RestorePoint point, int disk, ImageFormat format) throws IOException {
    Marker wanted = new Marker(point.id().toString(), point.rootDigest(), disk, format.name(), "done", 0, 0, "", 0);
    Path markerFile = markerFile(target);
    Marker marker = Files.isRegularFile(markerFile) ? Marker.read(markerFile) : null;
    if (!Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    if (marker != null && marker.state().equals("writing") && marker.sameContent(wanted)) {
      // Renamed into place but never reported: ours to write again.
      return null;
    }
    if (marker != null && marker.state().equals("done") && marker.untouched(target)) {
      if (marker.sameContent(wanted)) {
        return marker;
      }
      // An older materialisation no guest wrote to: replacing it loses nothing.
      return null;
    }
    throw HypervisorException.permanent("destination_exists", "agent " + hostId + ": " + target + " exists and is"
        + " not an untouched materialisation" + (marker == null ? "" : " of " + marker.pointId()) + "; not"
        + " overwriting it (remove it or choose another destination_dir)");
  }

  private Marker write(RestorePoint point, int disk, Path target, ImageFormat format) throws IOException {
    Path markerFile = markerFile(target);
    Marker writing = new Marker(point.id().toString(), point.rootDigest(), disk, format.name(), "writing", 0, 0, "",
        0);
    writing.write(markerFile);
    // Temporaries of an earlier attempt that died before its rename (the writers' ".<file>.tmp-*") are garbage.
    try (var stale = Files.newDirectoryStream(target.getParent(), "." + target.getFileName() + ".tmp-*")) {
      for (Path t : stale) {
        Files.deleteIfExists(t);
      }
    }
    long bytes = RestorePointWriter.write(store, point.disks().get(disk), target, format);
    BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class);
    Marker done = new Marker(writing.pointId(), writing.rootDigest(), disk, format.name(), "done", a.size(),
        a.lastModifiedTime().to(TimeUnit.NANOSECONDS), Objects.toString(a.fileKey(), ""), bytes);
    done.write(markerFile);
    return done;
  }

  private static Path markerFile(Path target) {
    return target.resolveSibling("." + target.getFileName() + ".lifeboat.json");
  }

  /** What a disk file holds and how it looked when written. */
  private record Marker(String pointId, String rootDigest, int disk, String format, String state, long size,
      long modifiedNanos, String fileKey, long bytesWritten) {

    boolean sameContent(Marker o) {
      return pointId.equals(o.pointId) && rootDigest.equals(o.rootDigest) && disk == o.disk
          && format.equals(o.format);
    }

    boolean untouched(Path target) throws IOException {
      BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class,
          java.nio.file.LinkOption.NOFOLLOW_LINKS);
      return a.isRegularFile() && a.size() == size && a.lastModifiedTime().to(TimeUnit.NANOSECONDS) == modifiedNanos
          && Objects.toString(a.fileKey(), "").equals(fileKey);
    }

    void write(Path file) throws IOException {
      AtomicFiles.write(file, new JsonObject().put("pointId", pointId).put("rootDigest", rootDigest)
          .put("disk", disk).put("format", format).put("state", state).put("sizeBytes", size)
          .put("modifiedNanos", modifiedNanos).put("fileKey", fileKey).put("bytesWritten", bytesWritten)
          .encode().getBytes(StandardCharsets.UTF_8));
    }

    static Marker read(Path file) {
      try {
        JsonObject j = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
        return new Marker(j.getString("pointId", ""), j.getString("rootDigest", ""), j.getInteger("disk", -1),
            j.getString("format", ""), j.getString("state", ""), j.getLong("sizeBytes", -1L),
            j.getLong("modifiedNanos", -1L), j.getString("fileKey", ""), j.getLong("bytesWritten", 0L));
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }
  }
}
