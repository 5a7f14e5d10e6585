package org.align4j.plugins.tokenizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Message;
import org.align4j.api.text.RenderedChat;
import org.align4j.api.text.Tokenizer;
import org.align4j.core.Align4j;
import org.align4j.core.pipeline.RunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer writes real formats: the committed tokenizers it trained on the corpus (tools/assets/tokenizers.sh
 * --fixtures) are read by Hugging Face tokenizers, js-tiktoken and Google's SentencePiece with the same ids as ours;
 * training again gives byte-identical files.
 */
class TrainedTokenizerTest {

  private static void sameIds(Tokenizer tok, String fixture, boolean parseSpecial) {
    List<String> corpus = Fixtures.corpus();
    List<JsonNode> want = Fixtures.jsonl(Fixtures.reference(fixture));
    assertEquals(corpus.size(), want.size());
    int bad = 0;
    String first = null;
    for (int i = 0; i < corpus.size(); i++) {
      int[] w = Fixtures.ints(want.get(i).get("ids"));
      int[] g = tok.encode(corpus.get(i), false, false, parseSpecial);
      if (!java.util.Arrays.equals(w, g)) {
        bad++;
        if (first == null) {
          first = "#" + i + " want " + java.util.Arrays.toString(w) + " got " + java.util.Arrays.toString(g);
        }
      }
    }
    assertEquals(0, bad, fixture + ": " + bad + " texts differ; first: " + first);
  }

  @Test
  void trainedLlama3FilesAreReadAlikeByHfTokenizersAndTiktoken() throws Exception {
    Path dir = Fixtures.reference("trained-llama3");
    Tokenizer hf = TokenizerFiles.load(dir);
    assertEquals(2048, hf.vocabSize());
    assertEquals(1792, hf.bosId());
    assertEquals(1792 + 9, hf.specialId("<|eot_id|>").getAsInt());
    assertEquals(1792 + 8, hf.specialId("<|eom_id|>").getAsInt());
    sameIds(hf, "trained-llama3.hf.ids.jsonl", true);
    Tokenizer tt = new TiktokenTokenizerProvider().load(dir.resolve("tokenizer.tiktoken"), TiktokenTokenizerProvider.Options.defaults());
    assertEquals(2048, tt.vocabSize());
    sameIds(tt, "trained-llama3.tiktoken.ids.jsonl", true);
  }

  @Test
  void trainedLlama2ModelIsReadAlikeBySentencePiece() {
    Tokenizer sp = TokenizerFiles.load(Fixtures.reference("trained-llama2"));
    assertEquals("sentencepiece", sp.format());
    assertEquals(2048, sp.vocabSize());
    assertEquals("<s>", sp.piece(sp.bosId()));
    assertEquals("</s>", sp.piece(sp.eosId()));
    sameIds(sp, "trained-llama2.spm.ids.jsonl", false);
  }

  @Test
  void trainingIsDeterministic(@TempDir Path tmp) throws Exception {
    TokenizerTrainer.train(Fixtures.reference("corpus.jsonl"), tmp.resolve("l3"), new TokenizerTrainer.Config("llama3", 2048, 2, 256, 0.99995, TokenizerTrainer.Corpus.ALL, true));
    TokenizerTrainer.train(Fixtures.reference("corpus.jsonl"), tmp.resolve("l2"), TokenizerTrainer.Config.llama2(2048));
    for (String f : List.of("tokenizer.json", "tokenizer_config.json", "tokenizer.tiktoken")) {
      assertArrayEquals(Files.readAllBytes(Fixtures.reference("trained-llama3").resolve(f)), Files.readAllBytes(tmp.resolve("l3").resolve(f)), f);
    }
    assertArrayEquals(Files.readAllBytes(Fixtures.reference("trained-llama2/tokenizer.model")), Files.readAllBytes(tmp.resolve("l2/tokenizer.model")));
  }

  @Test
  void tokenizerTrainStageRunsInAPipelineAndFeedsBothChatFormats(@TempDir Path tmp) throws Exception {
    Path corpus = tmp.resolve("corpus.jsonl");
    Files.copy(Fixtures.reference("corpus.jsonl"), corpus);
    Align4j a = Align4j.create();
    RunResult r = a.stage("tokenizer-train").input("corpus", corpus).option("vocab_size", 1024).option("reserved_special_tokens", 32)
        .runIn(tmp.resolve("run"));
    assertTrue(r.ok(), r.toString());
    Path out = tmp.resolve("run/tokenizer-train/tokenizer");
    assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")), "tokenizer.json in " + out);
    Tokenizer tok = TokenizerFiles.load(out);
    assertEquals(1024, tok.vocabSize());
    List<Message> chat = List.of(Message.system("Be brief."), Message.user("What is 2+2?"), Message.assistant("4"));
    RenderedChat c = new Llama3ChatFormat().render(chat, tok, MaskPolicy.ASSISTANT);
    assertEquals("4<|eot_id|>", tok.decode(ChatFormatReferenceTest.targets(c)));

    RunResult r2 = a.stage("tokenizer-train").input("corpus", corpus).option("format", "llama2").option("vocab_size", 1500)
        .runIn(tmp.resolve("run2"));
    assertTrue(r2.ok(), r2.toString());
    Tokenizer sp = TokenizerFiles.load(tmp.resolve("run2/tokenizer-train/tokenizer"));
    RenderedChat c2 = new Llama2ChatFormat().render(chat, sp, MaskPolicy.ASSISTANT);
    assertEquals(1, c2.ids()[0]);
    assertEquals(2, c2.ids()[c2.ids().length - 1]);
    assertEquals("4", sp.decode(ChatFormatReferenceTest.targets(c2)).strip());
  }

  @Test
  void trainerReadsArrowCorporaThroughTheDatasetStore(@TempDir Path tmp) throws Exception {
    Path arrow = tmp.resolve("corpus.arrow");
    var rows = Fixtures.corpus().stream().map(t -> java.util.Map.<String, Object>of("text", t)).iterator();
    var store = new org.align4j.core.data.ArrowDatasetStore();
    store.write(arrow, org.align4j.api.data.Schemas.TEXT, rows);
    Path out = tmp.resolve("tok");
    TokenizerTrainer.train(List.of(arrow), out, new TokenizerTrainer.Config("llama3", 2048, 2, 256, 0.99995, new TokenizerTrainer.Corpus("text", 0), true), store::rows);
    // the same texts as corpus.jsonl, so the same tokenizer as the committed one
    for (String f : List.of("tokenizer.json", "tokenizer.tiktoken")) {
      assertArrayEquals(Files.readAllBytes(Fixtures.reference("trained-llama3").resolve(f)), Files.readAllBytes(out.resolve(f)), f);
    }
  }
}
