package org.align4j.launcher.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.align4j.api.Align4jException;
import org.align4j.api.engine.Generator;
import org.align4j.api.engine.Generator.Generation;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.text.Tokenizer;
import org.align4j.core.engine.LocalModels;
import org.align4j.core.engine.TorchDevice;
import org.align4j.core.engine.generate.LocalGenerator;
import org.align4j.plugins.tokenizers.TokenizerFiles;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code align4j generate}: continues a prompt with any Hugging Face Llama checkpoint directory
 * ({@code config.json} + safetensors), greedy or sampled, with the KV cache.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = {"Continue a prompt with a Llama checkpoint directory (config.json + model.safetensors, Hugging Face layout).",
        "--prompt needs a tokenizer (tokenizer.json or tokenizer.model) in the model directory or --tokenizer;",
        "--prompt-ids works with any checkpoint. Stops at the model's eos ids (config.json, tokenizer) or --stop."},
    footer = {"", "Examples:",
        "  align4j generate --model runs/quickstart/sft/model --prompt 'What is 2+3?' --greedy",
        "  align4j generate --model tests/fixtures/hf-llama/tiny-llama3-gqa --prompt-ids 1,2,3 --max-new-tokens 8 --json"})
public final class GenerateCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "checkpoint directory")
  Path model;

  static final class PromptSource {
    @Option(names = "--prompt", paramLabel = "TEXT", description = "prompt text (encoded with the model's tokenizer, BOS prepended)")
    String text;

    @Option(names = "--prompt-ids", paramLabel = "IDS", split = ",", description = "prompt token ids, comma-separated")
    int[] ids;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  PromptSource prompt;

  @Option(names = "--tokenizer", paramLabel = "PATH", description = "tokenizer file or directory (default: the model directory)")
  Path tokenizer;

  @Option(names = "--max-new-tokens", defaultValue = "64", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
  int maxNewTokens;

  @Option(names = "--greedy", description = "pick the most likely token (no sampling)")
  boolean greedy;

  @Option(names = "--temperature", defaultValue = "0.6", paramLabel = "T", description = "sampling temperature (default: ${DEFAULT-VALUE})")
  double temperature;

  @Option(names = "--top-p", defaultValue = "0.9", paramLabel = "P", description = "nucleus sampling mass (default: ${DEFAULT-VALUE})")
  double topP;

  @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "keep the K most likely tokens (0: off)")
  int topK;

  @Option(names = "--seed", defaultValue = "0", description = "sampling seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--stop", split = ",", paramLabel = "IDS", description = "stop token ids (default: the model's eos ids)")
  int[] stop;

  @Option(names = "--no-bos", description = "do not prepend BOS to --prompt text")
  boolean noBos;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE})")
  String device;

  @Option(names = "--threads", defaultValue = "0", description = "libtorch threads (0: all cores)")
  int threads;

  @Option(names = "--json", description = "print {\"ids\": [prompt + new], \"logprobs\": [per new token], \"text\": completion}")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      Tokenizer tok = loadTokenizer();
      int[] ids;
      if (prompt.text != null) {
        if (tok == null) {
          throw new Align4jException(model + ": no tokenizer.json or tokenizer.model to encode --prompt; pass --tokenizer "
              + "PATH or give --prompt-ids");
        }
        ids = tok.encode(prompt.text, !noBos, false, false);
      } else {
        ids = prompt.ids;
      }
      if (ids.length == 0) {
        throw new Align4jException("the prompt is empty; give at least one token");
      }
      TorchDevice dev = new TorchDevice(device, threads);
      LocalModels models = new LocalModels(dev);
      try (LanguageModel m = models.load(model, org.align4j.api.engine.Models.LoadOptions.frozen())) {
        Set<Integer> stops = new HashSet<>();
        if (stop != null) {
          for (int s : stop) {
            stops.add(s);
          }
        } else {
          stops.addAll(m.config().eosTokenIds());
          if (tok != null && tok.eosId() >= 0) {
            stops.add(tok.eosId());
          }
        }
        int context = m.config().maxPositionEmbeddings();
        if (ids.length >= context) {
          throw new Align4jException("the prompt has " + ids.length + " tokens; the model's context is " + context
              + " (max_position_embeddings in " + model.resolve("config.json") + ")");
        }
        if (maxNewTokens < 1 || (long) ids.length + maxNewTokens > context) {
          throw new IllegalArgumentException("--max-new-tokens " + maxNewTokens + ": must be in [1, " + (context - ids.length)
              + "]: the prompt's " + ids.length + " tokens and the new ones must fit the model's context of " + context
              + " (max_position_embeddings in " + model.resolve("config.json") + ")");
        }
        Generator.Sampling sampling = new Generator.Sampling(maxNewTokens, greedy ? 0 : temperature, topK,
            greedy ? 1 : topP, stops, seed, true, 1);
        Generation g = new LocalGenerator().generate(m, List.of(ids), sampling).get(0);
        String text = tok == null ? null : tok.decode(g.tokens());
        if (json) {
          ObjectNode o = JSON.createObjectNode();
          var a = o.putArray("ids");
          for (int id : g.sequence()) {
            a.add(id);
          }
          var l = o.putArray("logprobs");
          for (float lp : g.logprobs()) {
            l.add(lp);
          }
          if (text != null) {
            o.put("text", text);
          }
          out.println(JSON.writeValueAsString(o));
        } else if (text != null) {
          out.println(text);
        } else {
          StringBuilder sb = new StringBuilder();
          for (int id : g.tokens()) {
            sb.append(sb.length() == 0 ? "" : ",").append(id);
          }
          out.println(sb);
        }
      }
      out.flush();
      return 0;
    } catch (Align4jException | IllegalArgumentException e) {
      err.println("align4j generate: " + e.getMessage());
      err.flush();
      return 2;
    }
  }

  private Tokenizer loadTokenizer() {
    Path p = tokenizer != null ? tokenizer : model;
    if (tokenizer == null && !(Files.isRegularFile(model.resolve("tokenizer.json"))
        || Files.isRegularFile(model.resolve("tokenizer.model")))) {
      return null;
    }
    return TokenizerFiles.load(p);
  }
}
