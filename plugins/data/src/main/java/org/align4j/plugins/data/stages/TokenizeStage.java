package org.align4j.plugins.data.stages;

import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.stage.Port;
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
public final class TokenizeStage implements Stage<TokenizeStage.Options> {
  private static final Logger LOG = LoggerFactory.getLogger(TokenizeStage.class);

  public record Options(
      @Doc("chat format id; default: the recipe's defaults.chat_format") String chatFormat,
      @Default("assistant") @Doc("loss mask: assistant | assistant_content | last_assistant | all") String mask,
      @Default("0") @Doc("longest row in tokens (0: no limit)") int maxLength,
      @Default("drop") @Doc("rows longer than max_length: drop | truncate | keep") String overflow,
      @Default("false") @Doc("pack rows into sequences of seq_length with segment ids") boolean pack,
      @Default("512") @Doc("packed sequence length") int seqLength,
      @Default("false") @Doc("packing: let a document continue into the next sequence") boolean splitDocuments,
      @Doc("padding id for packed sequences; default: the tokenizer's eos id") Integer padId) {
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
      if (pack && seqLength < 2) {
        throw new IllegalArgumentException("seq_length must be >= 2, got " + seqLength);
      }
    }
  }

  private DatasetStore store;
  private Tokenizers tokenizers;
  private ChatFormats chatFormats;

  @Inject
  public void setServices(DatasetStore store, Tokenizers tokenizers, ChatFormats chatFormats) {
    this.store = store;
    this.tokenizers = tokenizers;
    this.chatFormats = chatFormats;
  }

  @Override
  public String id() {
    return "tokenize";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public String description() {
    return "conversations -> input_ids + loss_mask (optionally packed with segment ids)";
  }

  @Override
  public List<Port> inputs() {
    return List.of(Port.required("data", "conversations (messages) or text rows"),
        Port.optional("tokenizer", "tokenizer file or directory; default: the recipe's defaults.tokenizer"));
  }

  @Override
  public List<Port> outputs() {
    return List.of(Port.required("tokenized", "input_ids, loss_mask, segment_ids"));
  }

  @Override
  public void run(StageContext context, Options o) throws Exception {
    DatasetStore ds = store != null ? store : context.service(DatasetStore.class);
    Tokenizers toks = tokenizers != null ? tokenizers : context.service(Tokenizers.class);
    ChatFormats formats = chatFormats != null ? chatFormats : context.service(ChatFormats.class);
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
      if (o.pack()) {
        t = Packing.pack(t, o.seqLength(), o.padId() != null ? o.padId() : tok.eosId(), o.splitDocuments());
      }
      rows = ds.write(context.output("tokenized"), Schemas.TOKENIZED, t);
    }
    if (dropped[0] > 0) {
      LOG.warn("tokenize: dropped {} rows longer than max_length {}", dropped[0], o.maxLength());
    }
    LOG.info("tokenize: wrote {} rows ({})", rows, o.pack() ? "packed to " + o.seqLength() : "one per conversation");
    context.metrics().scalar("tokenize/rows", rows, 0);
    context.metrics().scalar("tokenize/dropped", dropped[0], 0);
  }
}
