package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.align4j.testkit.Repo;
import org.w3c.dom.Element;

/**
 * Builds a project under tests/ that does not belong to the reactor, the way its authors would: {@code mvn -o
 * package} against published align4j artifacts. Those are this reactor's freshly packaged ones, laid out in a
 * throwaway local repository whose other entries are links into the build's own local repository (read-only
 * use: the build resolves offline and installs nothing).
 */
final class StandaloneBuild {
  /** The reactor modules a standalone project can depend on (their pom and, for jars, their jar). */
  private static final List<String> PUBLISHED = List.of(".", "bom", "bundle", "api", "toolkit", "core",
      "plugins/attention", "plugins/tokenizers", "plugins/data", "plugins/losses", "plugins/metrics",
      "plugins/stages", "plugins/rlhf");

  private StandaloneBuild() {}

  /** Copies {@code tests/<name>} into {@code work} and runs {@code mvn -o package} there; returns the copy. */
  static Path packageProject(String name, Path work) throws Exception {
    Path project = copyTree(Repo.root().resolve("tests").resolve(name), work.resolve(name));
    mvnOffline(project, localRepository(work.resolve("m2")), "package");
    return project;
  }

  /** Runs {@code mvn -o GOALS} on {@code project}'s pom against {@code repo}; fails the test unless it succeeds. */
  static void mvnOffline(Path project, Path repo, String... goals) throws Exception {
    Path log = project.resolveSibling(project.getFileName() + "-mvn.log");
    var cmd = new ArrayList<>(List.of(mvn().toString(), "-B", "-q", "-o", "-Dmaven.repo.local=" + repo, "-f",
        project.resolve("pom.xml").toString()));
    cmd.addAll(List.of(goals));
    Process p = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), String.join(" ", cmd) + " timed out");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + Files.readString(log));
  }

  private static Path mvn() {
    String home = System.getProperty("align4j.maven.home");
    return home == null || home.isBlank() ? Path.of("mvn") : Path.of(home, "bin", "mvn");
  }

  /** A local repository holding this reactor's artifacts, with everything else linked from the build's own. */
  static Path localRepository(Path repo) throws Exception {
    Path shared = Path.of(System.getProperty("align4j.maven.repo", System.getProperty("user.home") + "/.m2/repository"));
    Files.createDirectories(repo.resolve("org"));
    linkEntries(shared, repo, "org");
    linkEntries(shared.resolve("org"), repo.resolve("org"), "align4j");
    for (String module : PUBLISHED) {
      Path dir = Repo.root().resolve(module).normalize();
      var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(dir.resolve("pom.xml").toFile())
          .getDocumentElement();
      String artifact = child(pom, "artifactId");
      String version = child(pom, "version");
      if (version == null) {
        version = child((Element) pom.getElementsByTagName("parent").item(0), "version");
      }
      String packaging = child(pom, "packaging");
      Path target = Files.createDirectories(repo.resolve("org/align4j").resolve(artifact).resolve(version));
      Files.copy(dir.resolve("pom.xml"), target.resolve(artifact + "-" + version + ".pom"));
      if (packaging == null || packaging.equals("jar")) {
        Path jar = dir.resolve("target").resolve(artifact + "-" + version + ".jar");
        assertTrue(Files.isRegularFile(jar), jar + " is missing: the reactor must have run the package phase");
        Files.copy(jar, target.resolve(jar.getFileName()));
      }
    }
    return repo;
  }

  /** A direct child element's text, or null. */
  private static String child(Element e, String name) {
    for (var n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element c && c.getTagName().equals(name)) {
        return c.getTextContent().trim();
      }
    }
    return null;
  }

  private static void linkEntries(Path from, Path to, String except) throws IOException {
    try (Stream<Path> s = Files.list(from)) {
      for (Path e : s.toList()) {
        String n = e.getFileName().toString();
        if (!n.equals(except) && !Files.exists(to.resolve(n))) {
          Files.createSymbolicLink(to.resolve(n), e);
        }
      }
    }
  }

  private static Path copyTree(Path from, Path to) throws IOException {
    var files = new ArrayList<Path>();
    try (Stream<Path> s = Files.walk(from)) {
      s.filter(p -> !from.relativize(p).startsWith("target")).forEach(files::add);
    }
    for (Path f : files) {
      Path t = to.resolve(from.relativize(f).toString());
      if (Files.isDirectory(f)) {
        Files.createDirectories(t);
      } else {
        Files.copy(f, t, StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    return to;
  }
}
