package io.lifeboat.lab;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Image;
import io.lifeboat.lab.internal.LabDirectories;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lab's hypervisor host image, built locally from its recipe (debootstrap + chroot + docker import) and tagged
 * with a hash of that recipe, so it is rebuilt only when the recipe changes.
 */
public final class HostImage {
  /** The image repository; the tag is the recipe hash. */
  public static final String REPOSITORY = "lifeboat-lab-host";

  private static final Logger LOG = LoggerFactory.getLogger(HostImage.class);
  private static final String RESOURCE_DIR = "/io/lifeboat/lab/hostimage/";
  private static final List<String> RECIPE = List.of("build-host-image.sh", "entrypoint.sh");
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(20);
  private static final Object JVM_LOCK = new Object();

  private HostImage() {}

  /** The image name for the current recipe, e.g. {@code lifeboat-lab-host:3f2a9c1b7d40}. */
  public static String imageName() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String file : RECIPE) {
        sha.update(file.getBytes(StandardCharsets.UTF_8));
        sha.update(resource(file));
      }
      return REPOSITORY + ":" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JRE", e);
    }
  }

  /**
   * Returns the image name, building the image first when it is missing. Builds are serialised across JVMs by a lock
   * file in the lab cache directory.
   */
  public static String ensure(DockerClient docker) {
    String image = imageName();
    if (exists(docker, image)) {
      return image;
    }
    synchronized (JVM_LOCK) {
      Path cache = LabDirectories.cache();
      Path lockFile = cache.resolve("host-image.lock");
      try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        FileLock lock = channel.lock();
        try {
          if (!exists(docker, image)) {
            build(image, cache);
            removeOlderTags(docker, image);
          }
        } finally {
          lock.release();
        }
      } catch (IOException e) {
        throw new LabException("lab host image " + image + ": lock " + lockFile + ": " + e.getMessage(), e);
      }
    }
    return image;
  }

  private static void build(String image, Path cache) throws IOException {
    Path recipeDir = Files.createTempDirectory(cache, "recipe-");
    Path log = cache.resolve("host-image-build.log");
    try {
      for (String file : RECIPE) {
        Path target = recipeDir.resolve(file);
        Files.write(target, resource(file));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
      LOG.info("building lab host image {} (log: {})", image, log);
      long started = System.nanoTime();
      Process process = new ProcessBuilder("bash", recipeDir.resolve("build-host-image.sh").toString(), image,
              cache.toString())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      boolean finished = process.waitFor(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (!finished) {
        process.destroyForcibly();
        throw new LabException("lab host image " + image + ": build did not finish within " + BUILD_TIMEOUT
            + " (log: " + log + ")");
      }
      if (process.exitValue() != 0) {
        throw new LabException("lab host image " + image + ": build failed with exit code " + process.exitValue()
            + " (log: " + log + "): " + lastLine(log));
      }
      LOG.info("built lab host image {} in {} s", image, (System.nanoTime() - started) / 1_000_000_000L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LabException("lab host image " + image + ": build interrupted", e);
    } finally {
      try (var files = Files.list(recipeDir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(recipeDir);
    }
  }

  private static boolean exists(DockerClient docker, String image) {
    try {
      docker.inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** Old recipes' images are dead weight (about 550 MB each); images still used by a container stay. */
  private static void removeOlderTags(DockerClient docker, String current) {
    for (Image img : docker.listImagesCmd().withReferenceFilter(REPOSITORY).exec()) {
      if (img.getRepoTags() == null) {
        continue;
      }
      for (String tag : img.getRepoTags()) {
        if (tag.startsWith(REPOSITORY + ":") && !tag.equals(current)) {
          try {
            docker.removeImageCmd(tag).exec();
          } catch (RuntimeException e) {
            LOG.debug("keeping old lab host image {}: {}", tag, e.getMessage());
          }
        }
      }
    }
  }

  private static String lastLine(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return lines.isEmpty() ? "(empty log)" : lines.get(lines.size() - 1);
    } catch (IOException e) {
      return "(log unreadable)";
    }
  }

  private static byte[] resource(String name) {
    try (InputStream in = HostImage.class.getResourceAsStream(RESOURCE_DIR + name)) {
      if (in == null) {
        throw new IllegalStateException("lab host image recipe " + RESOURCE_DIR + name + " missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
