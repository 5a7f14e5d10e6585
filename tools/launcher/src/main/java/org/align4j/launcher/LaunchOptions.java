package org.align4j.launcher;

import org.align4j.api.Align4jException;
import picocli.CommandLine.Option;

/**
 * Where this node's ranks sit in the job, as {@code align4j run} is told (torchrun's options): mixed into
 * {@link RunCommand} and handed whole to {@link RankLauncher}.
 */
final class LaunchOptions {
  @Option(names = "--nproc-per-node", paramLabel = "N", defaultValue = "1",
      description = "ranks to start on this node (data parallel over c10d: Gloo on CPU, NCCL on CUDA)")
  int nprocPerNode;

  @Option(names = "--nnodes", paramLabel = "M", defaultValue = "1", description = "nodes of the run (start align4j run on each)")
  int nnodes;

  @Option(names = "--node-rank", paramLabel = "R", defaultValue = "0", description = "this node's index, 0..M-1 (node 0 hosts rank 0)")
  int nodeRank;

  @Option(names = "--master-addr", paramLabel = "HOST", defaultValue = "127.0.0.1",
      description = "address of node 0, where rank 0 hosts the rendezvous store")
  String masterAddr;

  @Option(names = "--master-port", paramLabel = "PORT", defaultValue = "0",
      description = "port of the rendezvous store on node 0 (default: a free port on one node; required on several)")
  int masterPort;

  @Option(names = "--join-timeout", paramLabel = "SECONDS", defaultValue = "300",
      description = "how long ranks wait for each other to join before the run fails")
  int joinTimeoutS;

  @Option(names = "--threads-per-rank", paramLabel = "T", defaultValue = "0",
      description = "libtorch threads of each rank (default: cores / ranks on this node)")
  int threadsPerRank;

  /** Refuses a job that cannot be laid out: no ranks, a node outside the job, a bad port or join timeout. */
  LaunchOptions check() {
    if (nprocPerNode < 1 || nnodes < 1) {
      throw new Align4jException("--nproc-per-node and --nnodes must be >= 1, got " + nprocPerNode + " and " + nnodes);
    }
    if (nodeRank < 0 || nodeRank >= nnodes) {
      throw new Align4jException("--node-rank " + nodeRank + " is outside 0.." + (nnodes - 1) + " (--nnodes " + nnodes + ")");
    }
    if (masterPort < 0 || masterPort > 65535) {
      throw new Align4jException("--master-port " + masterPort + " is outside 1..65535");
    }
    if (nnodes > 1 && masterPort == 0) {
      throw new Align4jException("a run on several nodes needs --master-port (the same on every node)");
    }
    if (joinTimeoutS < 1) {
      throw new Align4jException("--join-timeout must be >= 1 second, got " + joinTimeoutS);
    }
    return this;
  }

  int world() {
    return nprocPerNode * nnodes;
  }

  boolean distributed() {
    return world() > 1;
  }
}
