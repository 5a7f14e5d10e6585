package org.align4j.plugins.data.stages;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.Flat;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.stage.StagePort;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.ChatFormats;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Tokenizer;
import org.align4j.api.text.Tokenizers;
import org.align4j.plugins.data.transforms.Packing;
import org.align4j.plugins.data.transforms.Tokenize;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tokenize}: conversations (or {@code text} rows) to the tokenized schema with loss masks, through
 * the recipe's tokenizer and chat format; optionally packed into fixed-length sequences with segment ids.
 */
@ProviderInfo(id = "tokenize",
    description = "conversations -> input_ids + loss_mask (optionally packed with segment ids)")
@StagePort(input = "data", description = "conversations (messages) or text rows")
@StagePort(input = "tokenizer",
    description = "tokenizer file or directory; default: the recipe's defaults.tokenizer", required = false)
@StagePort(output = "tokenized", description = "input_ids, loss_mask, segment_ids")
public final class TokenizeStage implements Stage<TokenizeStage.Options> {
  private static final Logger LOG = LoggerFactory.getLogger(TokenizeStage.class);

  public record Options(
      @Doc("chat format id; default: the recipe's defaults.chat_format") String chatFormat,
      @Default("assistant") @Doc("loss mask: assistant | assistant_content | last_assistant | all") String mask,
      @Default("0") @Doc("longest row in tokens (0: no limit)") int maxLength,
      @Default("drop") @Doc("rows longer than max_length: drop | truncate | keep") String overflow,
      @Doc("pack, seq_length, split_documents, pad_id") @Flat Packing.Options packing) {
    public Options {
      mask = mask == null ? "assistant" : mask.toLowerCase(Locale.ROOT);
      overflow = overflow == null ? "drop" : overflow.toLowerCase(Locale.ROOT);
      try {
        MaskPolicy.valueOf(mask.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("mask must be assistant, assistant_content, last_assistant or all, got '" + mask + "'");
      }
      try {
        Tokenize.Overflow.valueOf(overflow.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("overflow must be drop, truncate or keep, got '" + overflow + "'");
      }
      if (maxLength < 0) {
        throw new IllegalArgumentException("max_length must be >= 0, got " + maxLength);
      }
    }
  }

  @Override
  public void run(StageContext context, Options o) throws Exception {
    DatasetStore ds = context.service(DatasetStore.class);
    Tokenizers toks = context.service(Tokenizers.class);
    ChatFormats formats = context.service(ChatFormats.class);
    Path tokPath = context.optionalInput("tokenizer").orElseGet(() -> {
      Path d = context.defaults().tokenizer();
      if (d == null) {
        throw new org.align4j.api.Align4jException("stage '" + context.stageId() + "' (tokenize): no tokenizer; give"
            + " inputs.tokenizer or defaults.tokenizer");
      }
      return d;
    });
    String formatId = o.chatFormat() != null ? o.chatFormat() : context.defaults().chatFormat();
    Tokenizer tok = toks.load(tokPath);
    ChatFormat format = formats.get(formatId);
    long[] dropped = {0};
    long rows;
    try (RowStream in = ds.rows(context.input("data"))) {
      Iterator<Map<String, Object>> t = Tokenize.tokenize(in, tok, format,
          MaskPolicy.valueOf(o.mask().toUpperCase(Locale.ROOT)), o.maxLength(),
          Tokenize.Overflow.valueOf(o.overflow().toUpperCase(Locale.ROOT)), dropped);
      t = o.packing().apply(t, tok.eosId());
      rows = ds.write(context.output("tokenized"), Schemas.TOKENIZED, t);
    }
    if (dropped[0] > 0) {
      LOG.warn("tokenize: dropped {} rows longer than max_length {}", dropped[0], o.maxLength());
    }
    LOG.info("tokenize: wrote {} rows ({})", rows, o.packing().pack() ? "packed to " + o.packing().seqLength() : "one per conversation");
    context.metrics().scalar("tokenize/rows", rows, 0);
    context.metrics().scalar("tokenize/dropped", dropped[0], 0);
  }
}
