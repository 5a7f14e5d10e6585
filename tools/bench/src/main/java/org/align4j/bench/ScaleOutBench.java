package org.align4j.bench;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.align4j.api.engine.Trainer;
import org.align4j.api.engine.TrainerOptions;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.core.engine.LocalModels;
import org.align4j.core.engine.Tensors;
import org.align4j.core.engine.TorchDevice;
import org.align4j.core.engine.train.LocalTrainer;
import org.bytedeco.pytorch.Tensor;

/**
 * Data-parallel scale-out benchmark: step time and samples/s of the engine's trainer for 1 rank against 2 ranks
 * (plain data parallel and ZeRO-1), 1 libtorch thread per rank, on a tiny model and on the d=512 8-layer model of
 * {@link EngineBench}'s section (c), and the optimiser-state bytes each rank holds. Ranks are child JVMs started the
 * way {@code bin/align4j} starts them ({@code OMP_WAIT_POLICY=PASSIVE}, {@code --add-opens=java.base/java.nio},
 * the slf4j JavaCPP logger) with torchrun's variables; every configuration trains the same global batch on the same
 * synthetic tokens, so 2 ranks do the one process's work split in two.
 */
public final class ScaleOutBench {
  private ScaleOutBench() {}

  /** A benchmarked model and its batch. */
  record Shape(String name, ModelConfig config, int batch, int seq) {}

  static List<Shape> shapes() {
    return List.of(
        new Shape("tiny (d=64, 2 layers, vocab 512)", ModelConfig.llama(512, 64, 2, 4, 2), 8, 64),
        new Shape("d=512, 8 layers (vocab 32000, MHA 8 heads, SwiGLU 1376)", new ModelConfig(32000, 512, 1376, 8, 8, 8,
            64, 1e-5, 10000, null, 4096, false, 1, List.of(2), 0, "float32", null), 4, 128));
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      child(args);
      return;
    }
    boolean quick = false;
    String only = "tiny,d512";
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--quick")) {
        quick = true;
      } else if (args[i].equals("--only")) {
        only = args[++i];
      } else {
        System.out.println("usage: scaleout-bench.sh [--quick] [--only tiny,d512]\n"
            + "  1 vs 2 ranks (plain data parallel and ZeRO-1), 1 thread each: step time, samples/s, their ratio,\n"
            + "  optimiser-state bytes per rank");
        return;
      }
    }
    System.out.printf(Locale.ROOT, "align4j scale-out bench: java %s, cores %d, load average %s%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), loadAverage());
    List<Shape> shapes = shapes();
    for (int s = 0; s < shapes.size(); s++) {
      Shape shape = shapes.get(s);
      if (!only.contains(s == 0 ? "tiny" : "d512")) {
        continue;
      }
      int steps = s == 0 ? (quick ? 20 : 60) : (quick ? 3 : 8);
      System.out.printf(Locale.ROOT, "%n%s, %.1fM parameters, global batch %d x %d tokens, %d timed steps (after 1)%n",
          shape.name(), shape.config().parameterCount() / 1e6, shape.batch(), shape.seq(), steps);
      Result one = run(s, 1, 0, steps);
      Result two = run(s, 2, 0, steps);
      Result zero = run(s, 2, 1, steps);
      for (var e : List.of(new Object[] {"1 rank", one}, new Object[] {"2 ranks", two},
          new Object[] {"2 ranks, ZeRO-1", zero})) {
        Result r = (Result) e[1];
        System.out.printf(Locale.ROOT, "  %-16s median step %8.1f ms  %8.1f samples/s  optimizer state per rank %s MB%n",
            e[0], r.stepMs(), shape.batch() * 1000.0 / r.stepMs(), r.stateMb());
      }
      System.out.printf(Locale.ROOT, "  samples/s ratio, 2 ranks / 1 rank: %.2f (plain), %.2f (ZeRO-1); optimizer"
          + " state per rank, ZeRO-1 / plain: %.3f  (load average %s)%n", one.stepMs() / two.stepMs(),
          one.stepMs() / zero.stepMs(), (double) zero.maxStateBytes() / two.maxStateBytes(), loadAverage());
    }
  }

  /** Median step time of the slowest rank (a step ends when every rank has it) and each rank's state bytes. */
  record Result(double stepMs, long[] stateBytes) {
    String stateMb() {
      return String.join(" / ", Arrays.stream(stateBytes).mapToObj(b -> String.format(Locale.ROOT, "%.1f", b / 1e6))
          .toList());
    }

    long maxStateBytes() {
      return Arrays.stream(stateBytes).max().orElse(0);
    }
  }

  private static Result run(int shape, int world, int zero, int steps) throws Exception {
    Path dir = Files.createTempDirectory("align4j-scaleout-bench");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> ranks = new ArrayList<>();
    for (int r = 0; r < world; r++) {
      var pb = new ProcessBuilder(java, "-Xss4m", "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "-Dorg.bytedeco.javacpp.logger=slf4j", "-cp", System.getProperty("java.class.path"),
          ScaleOutBench.class.getName(), "--child", String.valueOf(shape), String.valueOf(zero), String.valueOf(steps),
          dir.resolve("rank" + r).toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("rank" + r + ".log").toFile());
      var env = pb.environment();
      env.put("OMP_WAIT_POLICY", "PASSIVE");
      env.put("OMP_NUM_THREADS", "1");
      env.put("ALIGN4J_THREADS", "1");
      if (world > 1) {
        env.put("RANK", String.valueOf(r));
        env.put("LOCAL_RANK", String.valueOf(r));
        env.put("WORLD_SIZE", String.valueOf(world));
        env.put("MASTER_ADDR", "127.0.0.1");
        env.put("MASTER_PORT", String.valueOf(port));
      }
      ranks.add(pb.start());
    }
    double[][] times = new double[world][];
    long[] bytes = new long[world];
    for (int r = 0; r < world; r++) {
      Process p = ranks.get(r);
      if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
        ranks.forEach(Process::destroyForcibly);
        throw new IllegalStateException("rank " + r + " of " + world + " failed: "
            + Files.readString(dir.resolve("rank" + r + ".log")));
      }
      List<String> lines = Files.readAllLines(dir.resolve("rank" + r));
      bytes[r] = Long.parseLong(lines.get(0).trim());
      times[r] = Arrays.stream(lines.get(1).trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
    }
    double[] slowest = new double[times[0].length];
    for (int i = 0; i < slowest.length; i++) {
      for (double[] t : times) {
        slowest[i] = Math.max(slowest[i], t[i]);
      }
    }
    Arrays.sort(slowest);
    return new Result(slowest[slowest.length / 2], bytes);
  }

  /** One rank: trains {@code steps + 1} steps; writes its optimiser-state bytes and its step times but the first. */
  private static void child(String[] args) throws Exception {
    Shape shape = shapes().get(Integer.parseInt(args[1]));
    int zero = Integer.parseInt(args[2]);
    int steps = Integer.parseInt(args[3]);
    Path out = Path.of(args[4]);
    LocalModels models = new LocalModels(TorchDevice.cpu(1));
    ModelConfig c = shape.config();
    int n = shape.batch() * (steps + 1);
    long[][] data = new long[n][shape.seq()];
    SplittableRandom rnd = new SplittableRandom(7);
    for (long[] row : data) {
      for (int i = 0; i < row.length; i++) {
        row[i] = rnd.nextInt(c.vocabSize());
      }
    }
    try (LanguageModel m = models.create(c, 1)) {
      LocalTrainer trainer = new LocalTrainer(zero);
      TrainerOptions o = TrainerOptions.defaults(1e-4).withBatch(shape.batch(), 1).withLength(0, steps + 1)
          .withLogEvery(1);
      long[] stepStart = new long[steps + 2];
      // a step starts at its micro-batch and ends when the next one starts (after the all-reduce and AdamW), or at
      // the end of train() for the last
      trainer.train(new Trainer.Job(m.parameters(), n, s -> {
        stepStart[(int) s.step()] = System.nanoTime();
        long[] flat = new long[s.indices().length * shape.seq()];
        for (int i = 0; i < s.indices().length; i++) {
          System.arraycopy(data[s.indices()[i]], 0, flat, i * shape.seq(), shape.seq());
        }
        Tensor ids = Tensors.longs(flat, s.indices().length, shape.seq());
        return EngineBench.lmLoss(m, ids);
      }, o, null, null, null, null));
      stepStart[steps + 1] = System.nanoTime();
      var sb = new StringBuilder();
      for (int i = 1; i <= steps; i++) {
        sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", (stepStart[i + 1] - stepStart[i]) / 1e6));
      }
      Files.writeString(out, trainer.optimizerStateBytes() + "\n" + sb + "\n");
    }
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "n/a";
    }
  }
}
