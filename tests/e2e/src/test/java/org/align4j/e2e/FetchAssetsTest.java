package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.align4j.testkit.Repo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tools/fetch-assets.sh, run on a copy with fake asset scripts: a failing one fails the run when CI=true. */
class FetchAssetsTest {
  @TempDir Path dir;

  record Result(int code, String out) {}

  Result run(String ci) throws Exception {
    var pb = new ProcessBuilder("bash", dir.resolve("tools/fetch-assets.sh").toString()).redirectErrorStream(true);
    pb.environment().remove("CI");
    if (ci != null) {
      pb.environment().put("CI", ci);
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    return new Result(p.exitValue(), out);
  }

  @Test
  void aFailedAssetScriptFailsTheRunInCiAndWarnsLocally() throws Exception {
    Path assets = Files.createDirectories(dir.resolve("tools/assets"));
    Files.copy(Repo.root().resolve("tools/fetch-assets.sh"), dir.resolve("tools/fetch-assets.sh"));
    Files.writeString(assets.resolve("a-ok.sh"), "echo fetched > \"$(dirname \"$0\")/ok.done\"\n");
    Result ok = run("true");
    assertEquals(0, ok.code(), ok.out());
    assertTrue(Files.exists(assets.resolve("ok.done")), ok.out());

    Files.writeString(assets.resolve("b-broken.sh"), "echo 'registry unreachable' >&2; exit 3\n");
    Result ci = run("true");
    assertNotEquals(0, ci.code(), ci.out());
    assertTrue(ci.out().contains("tools/assets/b-broken.sh failed and CI=true"), ci.out());

    Result local = run(null);
    assertEquals(0, local.code(), local.out());
    assertTrue(local.out().contains("WARNING: tools/assets/b-broken.sh failed; the tests needing those assets will skip"), local.out());
  }
}
