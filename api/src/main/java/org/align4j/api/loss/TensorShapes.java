package org.align4j.api.loss;

import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.bytedeco.pytorch.Tensor;

/** Shapes for the batch records' messages, e.g. {@code [2, 3]}. The api keeps its own: it does not depend on the toolkit. */
final class TensorShapes {
  private TensorShapes() {}

  static String of(Tensor t) {
    if (t == null) {
      return "null";
    }
    return LongStream.range(0, t.dim()).map(t::size).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
  }
}
