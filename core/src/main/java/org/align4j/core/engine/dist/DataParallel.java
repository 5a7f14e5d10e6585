package org.align4j.core.engine.dist;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.align4j.api.Align4jException;
import org.align4j.api.engine.Distributed;
import org.align4j.api.engine.Trainer;
import org.align4j.core.engine.Tensors;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.ByteVector;
import org.bytedeco.pytorch.FileStore;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data parallel over PyTorch's own c10d process groups: {@code ProcessGroupGloo} on the CPU, {@code ProcessGroupNCCL}
 * for {@code cuda} ranks (the same code; unverified here, no GPU). Ranks are set up the torchrun way: {@code RANK},
 * {@code WORLD_SIZE}, {@code MASTER_ADDR}, {@code MASTER_PORT} ({@link #launch}); rank 0 hosts the {@code TCPStore}.
 * As the trainer's {@link Trainer.GradientSync} it all-reduces the gradients in buckets; as the stages'
 * {@link Distributed} it gathers small objects (serialised, through the store) so ranks can agree and split work.
 *
 * <p>Timeouts: {@code ALIGN4J_JOIN_TIMEOUT} seconds (default 300) for every rank to join, then an error naming the
 * ranks that did not; {@code ALIGN4J_COLLECTIVE_TIMEOUT} seconds (default 1800) for one collective.
 *
 * <p>Launchers: call {@link #warmNatives()} once before starting ranks, since two JVMs unpacking the natives into an
 * empty JavaCPP cache at once can crash.
 */
public final class DataParallel implements Trainer.GradientSync, Distributed, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataParallel.class);
  /** Elements per all-reduce bucket (25 MB of floats, DDP's default bucket size). */
  static final long BUCKET_ELEMENTS = 25L * 1024 * 1024 / 4;
  private static volatile DataParallel launched;

  private final int rank;
  private final int world;
  private final Store store;
  private final Backend group;
  private final org.bytedeco.pytorch.Device device;
  private long gathers;

  private DataParallel(int rank, int world, Store store, String host, String deviceName, long collectiveMs) {
    this.rank = rank;
    this.world = world;
    this.store = store;
    boolean cuda = deviceName != null && deviceName.startsWith("cuda");
    this.device = new org.bytedeco.pytorch.Device(cuda ? deviceName : "cpu");
    if (cuda) {
      org.bytedeco.pytorch.nccl.ProcessGroupNCCL.Options opts = org.bytedeco.pytorch.nccl.ProcessGroupNCCL.Options.create();
      opts.timeout(new Milliseconds(collectiveMs));
      this.group = new org.bytedeco.pytorch.nccl.ProcessGroupNCCL(store, rank, world, opts);
    } else {
      ProcessGroupGloo.Options opts = ProcessGroupGloo.Options.create(new Milliseconds(collectiveMs));
      opts.devices(new GlooDeviceVector(ProcessGroupGloo.createDeviceForHostname(host)));
      this.group = new ProcessGroupGloo(store, rank, world, opts);
    }
    LOG.info("rank {} of {} joined the {} process group", rank, world, cuda ? "NCCL" : "Gloo");
  }

  /** Loads libtorch once (unpacking it into the JavaCPP cache) so ranks started afterwards find it ready. */
  public static void warmNatives() {
    Loader.load(torch.class);
  }

  /**
   * The process group of this process when it was started as one of several ranks (WORLD_SIZE &gt; 1 in the
   * environment), joined on the first call (which decides the device: {@code cuda...} joins NCCL, anything else
   * Gloo); null for a single process.
   */
  public static synchronized DataParallel launch(String device) {
    if (launched == null) {
      Map<String, String> env = System.getenv();
      String ws = env.get("WORLD_SIZE");
      if (ws == null || ws.isBlank() || ws.trim().equals("1")) {
        return null;
      }
      launched = fromEnvironment(env, device);
    }
    return launched;
  }

  /** The launch's group if one was joined, else null. */
  public static DataParallel current() {
    return launched;
  }

  /** This process's rank in the launch's environment (0 when not launched as several ranks), without joining. */
  public static int environmentRank() {
    String ws = System.getenv("WORLD_SIZE");
    return ws == null || ws.isBlank() ? 0 : parse("RANK", System.getenv().getOrDefault("RANK", "0"));
  }

  /** Joins the group described by RANK, WORLD_SIZE, MASTER_ADDR (default 127.0.0.1), MASTER_PORT (default 29500). */
  public static DataParallel fromEnvironment() {
    return fromEnvironment(System.getenv(), "cpu");
  }

  /** As {@link #fromEnvironment()} for {@code device}; null when WORLD_SIZE is unset. */
  public static DataParallel fromEnvironment(Map<String, String> env, String device) {
    String ws = env.get("WORLD_SIZE");
    if (ws == null) {
      return null;
    }
    int world = parse("WORLD_SIZE", ws);
    int rank = parse("RANK", env.getOrDefault("RANK", "0"));
    String addr = env.getOrDefault("MASTER_ADDR", "127.0.0.1");
    int port = parse("MASTER_PORT", env.getOrDefault("MASTER_PORT", "29500"));
    long join = 1000L * parse("ALIGN4J_JOIN_TIMEOUT", env.getOrDefault("ALIGN4J_JOIN_TIMEOUT", "300"));
    long coll = 1000L * parse("ALIGN4J_COLLECTIVE_TIMEOUT", env.getOrDefault("ALIGN4J_COLLECTIVE_TIMEOUT", "1800"));
    return tcp(rank, world, addr, port, device, join, coll);
  }

  private static int parse(String key, String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new Align4jException("environment variable " + key + "='" + v + "' is not an integer");
    }
  }

  private static void check(int rank, int world) {
    if (world < 1 || rank < 0 || rank >= world) {
      throw new Align4jException("invalid rank " + rank + " for world size " + world + " (need 0 <= RANK < WORLD_SIZE)");
    }
  }

  /** A CPU group rendezvousing through a TCPStore hosted by rank 0 at {@code addr:port}. */
  public static DataParallel tcp(int rank, int world, String addr, int port) {
    return tcp(rank, world, addr, port, "cpu", 300_000, 1_800_000);
  }

  /**
   * A group rendezvousing through a TCPStore hosted by rank 0 at {@code addr:port}: every rank must join within
   * {@code joinMs}, else an error naming the ranks that did not.
   */
  public static DataParallel tcp(int rank, int world, String addr, int port, String device, long joinMs, long collectiveMs) {
    check(rank, world);
    if (port < 1 || port > 65535) {
      throw new Align4jException("MASTER_PORT " + port + " is outside 1..65535");
    }
    TCPStoreOptions o = new TCPStoreOptions();
    o.port((short) port);
    o.isServer(rank == 0);
    o.waitWorkers(false);
    o.timeout(new Milliseconds(joinMs));
    TCPStore store;
    try {
      store = new TCPStore(addr, o);
    } catch (RuntimeException e) {
      throw new Align4jException("rank " + rank + " of " + world + " cannot " + (rank == 0 ? "host" : "reach")
          + " the rendezvous store at " + addr + ":" + port + " within " + joinMs / 1000 + " s ("
          + e.getMessage().lines().findFirst().orElse("") + "); check MASTER_ADDR/MASTER_PORT (--master-addr,"
          + " --master-port) and that rank 0 is running", e);
    }
    rendezvous(store, rank, world, addr + ":" + port, joinMs);
    store.setTimeout(new Milliseconds(collectiveMs));
    return new DataParallel(rank, world, store, localAddressTowards(addr, port), device, collectiveMs);
  }

  /**
   * The address of this host that the others reach it by: the one its route to the master uses (on node 0, the
   * master address itself), so Gloo listens on the right interface of every node.
   */
  static String localAddressTowards(String addr, int port) {
    try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
      s.connect(new java.net.InetSocketAddress(addr, port)); // picks the route; sends nothing
      java.net.InetAddress local = s.getLocalAddress();
      return local == null || local.isAnyLocalAddress() ? addr : local.getHostAddress();
    } catch (java.io.IOException | RuntimeException e) {
      LOG.warn("cannot find the local address towards {} ({}); Gloo binds to it", addr, e.toString());
      return addr;
    }
  }

  /** A CPU group rendezvousing through a file every rank can reach (tests, single machine). */
  public static DataParallel file(Path file, int rank, int world) {
    check(rank, world);
    FileStore store = new FileStore(file.toString(), world);
    rendezvous(store, rank, world, file.toString(), 300_000);
    return new DataParallel(rank, world, store, "127.0.0.1", "cpu", 1_800_000);
  }

  /** Waits until every rank has announced itself in the store; on timeout names the ranks that have not. */
  private static void rendezvous(Store store, int rank, int world, String where, long timeoutMs) {
    store.set("align4j/joined/" + rank, "1");
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (true) {
      var missing = new ArrayList<Integer>();
      for (int r = 0; r < world; r++) {
        if (!store.check(new StringVector("align4j/joined/" + r))) {
          missing.add(r);
        }
      }
      if (missing.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new Align4jException((missing.size() == 1 ? "rank " + missing.get(0) + " did" : "ranks " + missing + " did")
            + " not join the process group at " + where + " within " + timeoutMs / 1000 + " s (rank " + rank + " of "
            + world + " waited); start every rank with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE, or raise"
            + " ALIGN4J_JOIN_TIMEOUT (--join-timeout)");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Align4jException("interrupted while waiting for the other ranks to join", e);
      }
    }
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int worldSize() {
    return world;
  }

  /** Averages the gradients over the ranks: flattened into buckets of one dtype, one all-reduce per bucket. */
  @Override
  public void averageGradients(List<Tensor> grads) {
    if (world == 1 || grads.isEmpty()) {
      return;
    }
    int from = 0;
    long elements = 0;
    for (int i = 0; i < grads.size(); i++) {
      Tensor t = grads.get(i);
      boolean sameKind = i == from || t.scalar_type() == grads.get(from).scalar_type();
      if (i > from && (!sameKind || elements + t.numel() > BUCKET_ELEMENTS)) {
        reduceBucket(grads.subList(from, i));
        from = i;
        elements = 0;
      }
      elements += t.numel();
    }
    reduceBucket(grads.subList(from, grads.size()));
  }

  private void reduceBucket(List<Tensor> grads) {
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      List<Tensor> flat = new ArrayList<>();
      for (Tensor t : grads) {
        flat.add(t.reshape(-1));
      }
      Tensor buf = flat.size() == 1 ? flat.get(0).clone() : torch.cat(new TensorVector(flat.toArray(new Tensor[0])));
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
    return sum(value) / world;
  }

  @Override
  public double sum(double value) {
    if (world == 1) {
      return value;
    }
    try (PointerScope s = new PointerScope()) {
      Tensor t = Tensors.floats(new float[] {0f}, 1).to(device, torch.ScalarType.Double).fill_(new Scalar(value));
      allreduce(t);
      return t.item_double();
    }
  }

  @Override
  public Map<String, Double> average(Map<String, Double> values, double weight) {
    if (world == 1) {
      return values;
    }
    var all = allGather(new Weighted(new TreeMap<>(values), weight));
    double total = 0;
    for (Weighted w : all) {
      total += w.weight();
    }
    var out = new TreeMap<String, Double>();
    for (Weighted w : all) {
      double share = total > 0 ? w.weight() / total : 1.0 / world;
      w.values().forEach((k, v) -> out.merge(k, v * share, Double::sum));
    }
    return out;
  }

  private record Weighted(TreeMap<String, Double> values, double weight) implements Serializable {}

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

  /** Every rank's value in rank order, through the store (small objects: decisions, metrics, generated rows). */
  @Override
  public synchronized <T extends Serializable> List<T> allGather(T value) {
    long seq = gathers++;
    if (world == 1) {
      var l = new ArrayList<T>(1);
      l.add(value);
      return l;
    }
    if (seq >= 2) {
      // every rank has read seq-2 once any rank reaches seq (it needed this rank's seq-1 value, written after)
      store.deleteKey("align4j/gather/" + (seq - 2) + "/" + rank);
    }
    store.set("align4j/gather/" + seq + "/" + rank, new ByteVector(serialize(value)));
    var out = new ArrayList<T>(world);
    for (int r = 0; r < world; r++) {
      try {
        out.add(deserialize(store.get("align4j/gather/" + seq + "/" + r).get()));
      } catch (RuntimeException e) {
        throw new Align4jException("rank " + rank + " waited in vain for rank " + r + " (gather " + seq + "): "
            + e.getMessage().lines().findFirst().orElse("") + "; rank " + r + " died or is stuck", e);
      }
    }
    return out;
  }

  private static byte[] serialize(Object o) {
    var bytes = new ByteArrayOutputStream();
    try (var out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    } catch (IOException e) {
      throw new Align4jException("cannot send " + o.getClass().getName() + " to the other ranks: " + e, e);
    }
    return bytes.toByteArray();
  }

  @SuppressWarnings("unchecked")
  private static <T> T deserialize(byte[] b) {
    try (var in = new ObjectInputStream(new ByteArrayInputStream(b)) {
      @Override
      protected Class<?> resolveClass(java.io.ObjectStreamClass desc) throws IOException, ClassNotFoundException {
        // plugin classes come from the plugin's own loader
        try {
          return Class.forName(desc.getName(), false, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
          return super.resolveClass(desc);
        }
      }
    }) {
      return (T) in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new Align4jException("cannot read a value sent by another rank: " + e, e);
    }
  }

  @Override
  public void barrier() {
    sum(0);
  }

  /**
   * Reduce-scatter (ZeRO): {@code input} holds {@code worldSize} blocks of {@code output}'s length; rank r receives
   * the sum over the ranks of their block r. Gloo implements it ({@code _reduce_scatter_base}), so the gradients of
   * the other ranks' slices never travel to this one.
   */
  public void reduceScatterSum(Tensor input, Tensor output) {
    checkBlocks("reduce-scatter", input, output);
    await(group._reduce_scatter_base(output, input), "reduce-scatter");
  }

  /** Rank {@code root}'s values of {@code t} to every rank (ZeRO's all-gather, one owner's slice at a time). */
  public void broadcast(Tensor t, int root) {
    org.bytedeco.pytorch.BroadcastOptions o = new org.bytedeco.pytorch.BroadcastOptions();
    o.rootRank(root);
    await(group.broadcast(new TensorVector(t), o), "broadcast from rank " + root);
  }

  private void checkBlocks(String what, Tensor whole, Tensor block) {
    if (whole.numel() != block.numel() * world) {
      throw new IllegalArgumentException(what + ": " + whole.numel() + " elements for " + world + " blocks of "
          + block.numel());
    }
  }

  private void allreduce(Tensor t) {
    await(group.allreduce(new TensorVector(t)), "all-reduce");
  }

  private void await(Work w, String what) {
    if (!w._wait()) {
      throw new Align4jException(what + " failed on rank " + rank + " of " + world);
    }
  }

  @Override
  public void close() {
    group.close();
    store.close();
  }
}
