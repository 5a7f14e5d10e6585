package org.align4j.plugins.data.sources;

import org.align4j.api.Default;
import org.align4j.api.Doc;

/** The options of the columnar sources ({@code arrow}, {@code parquet}): how rows are shaped and batched. */
public record ColumnarOptions(
    @Default("raw") @Doc("raw | auto | conversations | preferences") String shape,
    @Default("fail") @Doc("fail | skip (for shapes)") String onError,
    @Default("1024") @Doc("rows per batch (Parquet: per scan batch; Arrow: when a shape maps rows)") int batchSize) {
  public ColumnarOptions {
    shape = SourceRows.shapeOption(shape, "raw");
    onError = SourceRows.onErrorOption(onError);
    SourceRows.checkBatchSize(batchSize);
  }

  public static ColumnarOptions defaults() {
    return new ColumnarOptions("raw", "fail", 1024);
  }
}
