package org.align4j.api.engine;

import java.nio.file.Path;
import org.align4j.api.Align4jException;

/** Training stopped because the loss or the gradient norm became NaN or infinite. */
public class TrainingDivergedException extends Align4jException {
  private static final long serialVersionUID = 1L;
  private final long step;
  private final transient Path lastGoodCheckpoint;

  public TrainingDivergedException(long step, String what, Path lastGoodCheckpoint) {
    super("training diverged at step " + step + ": " + what + " is not finite; "
        + (lastGoodCheckpoint == null ? "no checkpoint was written yet"
            : "the last good checkpoint is " + lastGoodCheckpoint)
        + ". Lower the learning rate, enable grad clipping, or check the data of this step.");
    this.step = step;
    this.lastGoodCheckpoint = lastGoodCheckpoint;
  }

  public long step() {
    return step;
  }

  public Path lastGoodCheckpoint() {
    return lastGoodCheckpoint;
  }
}
