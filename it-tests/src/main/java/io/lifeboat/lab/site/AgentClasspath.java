package io.lifeboat.lab.site;

import io.lifeboat.lab.LabException;
import io.lifeboat.lab.LabHost;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.testcontainers.utility.MountableFile;

/**
 * This JVM's runtime classpath (every jar and classes directory of {@code java.class.path}, following the Class-Path of
 * a manifest-only jar), staged once in a local directory and copied to {@value #IN_HOST} in lab hosts, so an agent
 * started there runs the same code as this test JVM or launcher.
 */
public final class AgentClasspath {
  /** Where the classpath lands inside a lab host. */
  public static final String IN_HOST = "/opt/lifeboat";

  private final Path staged;
  private final List<String> entries;

  private AgentClasspath(Path staged, List<String> entries) {
    this.staged = staged;
    this.entries = List.copyOf(entries);
  }

  /** Stages this JVM's classpath under {@code dir} (created; its previous content is replaced). */
  public static AgentClasspath stage(Path dir) {
    try {
      deleteTree(dir);
      Files.createDirectories(dir.resolve("lib"));
      List<String> entries = new ArrayList<>();
      Set<String> jarNames = new HashSet<>();
      int classesDirs = 0;
      for (Path entry : runtimeClasspath()) {
        if (Files.isDirectory(entry)) {
          String name = "classes/" + classesDirs++;
          copyTree(entry, dir.resolve(name));
          entries.add(IN_HOST + "/" + name);
        } else if (Files.isRegularFile(entry) && entry.getFileName().toString().endsWith(".jar")) {
          String name = entry.getFileName().toString();
          if (!jarNames.add(name)) {
            name = jarNames.size() + "-" + name;
            jarNames.add(name);
          }
          Files.copy(entry, dir.resolve("lib").resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      entries.add(IN_HOST + "/lib/*");
      return new AgentClasspath(dir, entries);
    } catch (IOException e) {
      throw new LabException("lab site: cannot stage the agent classpath in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The {@code -cp} value inside a host. */
  public String classpathInHost() {
    return String.join(":", entries);
  }

  /** Copies the staged classpath into the host at {@value #IN_HOST}. */
  public void installInto(LabHost host) {
    host.execOk("rm", "-rf", IN_HOST);
    host.copyFileToContainer(MountableFile.forHostPath(staged), IN_HOST);
    host.execOk("chmod", "-R", "a+rX", IN_HOST);
  }

  /** The classpath entries of this JVM, manifest Class-Path entries of jars included, in order and once each. */
  static List<Path> runtimeClasspath() throws IOException {
    Set<Path> out = new LinkedHashSet<>();
    for (String s : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!s.isBlank()) {
        add(Path.of(s).toAbsolutePath().normalize(), out);
      }
    }
    return List.copyOf(out);
  }

  private static void add(Path entry, Set<Path> out) throws IOException {
    if (!out.add(entry) || !Files.isRegularFile(entry)) {
      return;
    }
    try (JarFile jar = new JarFile(entry.toFile())) {
      Manifest manifest = jar.getManifest();
      String classPath = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
      if (classPath == null) {
        return;
      }
      for (String ref : classPath.trim().split("\\s+")) {
        if (ref.isEmpty()) {
          continue;
        }
        URI uri = entry.getParent().toUri().resolve(ref);
        if ("file".equals(uri.getScheme())) {
          add(Path.of(uri).toAbsolutePath().normalize(), out);
        }
      }
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        Files.createDirectories(to.resolve(from.relativize(d).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        Files.copy(f, to.resolve(from.relativize(f).toString()), StandardCopyOption.REPLACE_EXISTING);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
