package org.align4j.core.engine.dist;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.engine.Trainer;
import org.align4j.core.engine.Tensors;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.FileStore;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data parallel over PyTorch's own c10d {@code ProcessGroupGloo} (CPU). Ranks are set up the torchrun way:
 * {@code RANK}, {@code WORLD_SIZE}, {@code MASTER_ADDR}, {@code MASTER_PORT} ({@link #fromEnvironment()}); rank 0
 * hosts the {@code TCPStore}. Pass the instance to the trainer as its {@link Trainer.GradientSync}: each rank takes
 * its slice of every micro-batch and the gradients are averaged (one flattened all-reduce per step), so N processes
 * with batch B step exactly like one process with batch N*B (up to float summation order).
 *
 * <p>Launchers: call {@link #warmNatives()} once before starting ranks, since two JVMs unpacking the natives into an
 * empty JavaCPP cache at once can crash. NCCL (CUDA) is not wired here (unverified: no GPU on these machines).
 */
public final class DataParallel implements Trainer.GradientSync, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataParallel.class);
  private final int rank;
  private final int world;
  private final Store store;
  private final ProcessGroupGloo group;

  private DataParallel(int rank, int world, Store store, String host) {
    if (world < 1 || rank < 0 || rank >= world) {
      throw new Align4jException("invalid rank " + rank + " for world size " + world + " (need 0 <= RANK < WORLD_SIZE)");
    }
    this.rank = rank;
    this.world = world;
    this.store = store;
    ProcessGroupGloo.Options opts = ProcessGroupGloo.Options.create();
    opts.devices(new GlooDeviceVector(ProcessGroupGloo.createDeviceForHostname(host)));
    this.group = new ProcessGroupGloo(store, rank, world, opts);
    LOG.info("rank {} of {} joined the Gloo process group", rank, world);
  }

  /** Loads libtorch once (unpacking it into the JavaCPP cache) so ranks started afterwards find it ready. */
  public static void warmNatives() {
    Loader.load(torch.class);
  }

  /** Joins the group described by RANK, WORLD_SIZE, MASTER_ADDR (default 127.0.0.1), MASTER_PORT (default 29500). */
  public static DataParallel fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /** As {@link #fromEnvironment()}, null when WORLD_SIZE is unset. */
  public static DataParallel fromEnvironment(Map<String, String> env) {
    String ws = env.get("WORLD_SIZE");
    if (ws == null) {
      return null;
    }
    int world = parse(env, "WORLD_SIZE", ws);
    int rank = parse(env, "RANK", env.getOrDefault("RANK", "0"));
    String addr = env.getOrDefault("MASTER_ADDR", "127.0.0.1");
    int port = parse(env, "MASTER_PORT", env.getOrDefault("MASTER_PORT", "29500"));
    return tcp(rank, world, addr, port);
  }

  private static int parse(Map<String, String> env, String key, String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new Align4jException("environment variable " + key + "='" + v + "' is not an integer");
    }
  }

  /** A group rendezvousing through a TCPStore hosted by rank 0 at {@code addr:port}. */
  public static DataParallel tcp(int rank, int world, String addr, int port) {
    if (port < 1 || port > 65535) {
      throw new Align4jException("MASTER_PORT " + port + " is outside 1..65535");
    }
    TCPStoreOptions o = new TCPStoreOptions();
    o.port((short) port);
    o.isServer(rank == 0);
    o.waitWorkers(false);
    o.timeout(new Milliseconds(300_000));
    TCPStore store = new TCPStore(addr, o);
    return new DataParallel(rank, world, store, addr);
  }

  /** A group rendezvousing through a file every rank can reach (tests, single machine). */
  public static DataParallel file(Path file, int rank, int world) {
    return new DataParallel(rank, world, new FileStore(file.toString(), world), "127.0.0.1");
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int worldSize() {
    return world;
  }

  @Override
  public void averageGradients(List<Tensor> grads) {
    if (world == 1 || grads.isEmpty()) {
      return;
    }
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      List<Tensor> flat = new ArrayList<>();
      for (Tensor t : grads) {
        flat.add(t.reshape(-1));
      }
      Tensor buf = torch.cat(new TensorVector(flat.toArray(new Tensor[0])));
      allreduce(buf);
      buf.div_(new Scalar((double) world));
      long at = 0;
      for (Tensor t : grads) {
        long n = t.numel();
        t.copy_(buf.narrow(0, at, n).view_as(t));
        at += n;
      }
    }
  }

  @Override
  public double average(double value) {
    if (world == 1) {
      return value;
    }
    try (PointerScope s = new PointerScope()) {
      Tensor t = Tensors.floats(new float[] {0f}, 1).to(torch.ScalarType.Double).fill_(new Scalar(value));
      allreduce(t);
      return t.item_double() / world;
    }
  }

  /** Copies rank 0's values of every tensor to all ranks (same initial weights everywhere). */
  @Override
  public void broadcast(Map<String, Tensor> tensors) {
    if (world == 1) {
      return;
    }
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      for (Tensor t : tensors.values()) {
        Work w = group.broadcast(new TensorVector(t));
        w._wait();
      }
    }
  }

  /** Blocks until every rank arrives. */
  public void barrier() {
    average(0);
  }

  private void allreduce(Tensor t) {
    Work w = group.allreduce(new TensorVector(t));
    if (!w._wait()) {
      throw new Align4jException("all-reduce failed on rank " + rank + " of " + world);
    }
  }

  @Override
  public void close() {
    group.close();
    store.close();
  }
}
