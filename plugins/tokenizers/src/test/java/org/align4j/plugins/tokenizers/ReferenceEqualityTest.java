package org.align4j.plugins.tokenizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.align4j.api.text.Tokenizer;
import org.junit.jupiter.api.Test;

/**
 * Ids and decodes equal those of the reference implementations on the committed corpus (1201 texts), fixtures made
 * by tools/assets/tokenizers.sh --fixtures: Hugging Face tokenizers (Rust, Node binding), js-tiktoken, Google's
 * SentencePiece (python3-sentencepiece).
 */
class ReferenceEqualityTest {

  private static void checkIds(Tokenizer tok, String fixture, boolean parseSpecial) {
    checkIds(tok, fixture, parseSpecial, Fixtures.corpus());
  }

  private static List<String> fuzz() {
    return Fixtures.jsonl(Fixtures.reference("fuzz.jsonl")).stream().map(n -> n.get("text").asText()).toList();
  }

  private static void checkIds(Tokenizer tok, String fixture, boolean parseSpecial, List<String> corpus) {
    List<JsonNode> expected = Fixtures.jsonl(Fixtures.reference(fixture));
    assertEquals(corpus.size(), expected.size(), fixture + " rows");
    assertTrue(corpus.size() >= 1000);
    List<String> bad = new ArrayList<>();
    for (int i = 0; i < corpus.size(); i++) {
      int[] want = Fixtures.ints(expected.get(i).get("ids"));
      int[] got = tok.encode(corpus.get(i), false, false, parseSpecial);
      if (!Arrays.equals(want, got)) {
        bad.add("#" + i + " " + Fixtures.JSON.valueToTree(corpus.get(i)) + "\n   want " + Arrays.toString(want) + "\n   got  " + Arrays.toString(got));
      }
    }
    assertTrue(bad.isEmpty(), fixture + ": " + bad.size() + "/" + corpus.size() + " texts differ:\n"
        + String.join("\n", bad.subList(0, Math.min(8, bad.size()))));
  }

  private static void checkDecode(Tokenizer tok, String fixture) {
    List<JsonNode> cases = Fixtures.jsonl(Fixtures.reference(fixture));
    assertTrue(cases.size() >= 100);
    List<String> bad = new ArrayList<>();
    for (JsonNode c : cases) {
      int[] ids = Fixtures.ints(c.get("ids"));
      String want = c.get("text").asText();
      String got = tok.decode(ids);
      if (!want.equals(got)) {
        bad.add(Arrays.toString(ids) + "\n   want " + Fixtures.JSON.valueToTree(want) + "\n   got  " + Fixtures.JSON.valueToTree(got));
      }
    }
    assertTrue(bad.isEmpty(), fixture + ": " + bad.size() + "/" + cases.size() + " decodes differ:\n"
        + String.join("\n", bad.subList(0, Math.min(8, bad.size()))));
  }

  /** Byte-level formats: the raw bytes, replaced the way the references replace invalid UTF-8, give their text. */
  private static void checkDecodeBytes(Tokenizer tok, String fixture) {
    for (JsonNode c : Fixtures.jsonl(Fixtures.reference(fixture))) {
      int[] ids = Fixtures.ints(c.get("ids"));
      assertEquals(c.get("text").asText(), Utf8.lossyMaximalSubpart(tok.decodeBytes(ids)), "decodeBytes of " + Arrays.toString(ids));
    }
  }

  private static void roundTrip(Tokenizer tok) {
    for (String t : Fixtures.corpus()) {
      byte[] b = tok.decodeBytes(tok.encode(t));
      assertEquals(t, new String(b, java.nio.charset.StandardCharsets.UTF_8), "round trip of " + Fixtures.JSON.valueToTree(t));
    }
  }

  @Test
  void llama3TokenizerJsonMatchesHfTokenizers() {
    Tokenizer tok = Fixtures.tokenizer(Fixtures.asset("llama3"));
    assertEquals("hf-tokenizer-json", tok.format());
    assertEquals(128256, tok.vocabSize());
    assertEquals(128000, tok.bosId());
    checkIds(tok, "llama3-hf.ids.jsonl", true);
    // special-token strings as text: HF tokenizers' binding has no switch for it; js-tiktoken on the same
    // vocabulary (rank = id) is the reference (its special-parsing ids equal HF's on this whole corpus)
    checkIds(tok, "llama3-tiktoken.ids.jsonl", false);
    checkDecode(tok, "llama3-hf.decode.jsonl");
    checkDecodeBytes(tok, "llama3-hf.decode.jsonl");
    roundTrip(tok);
  }

  @Test
  void mistralSentencePieceStyleTokenizerJsonMatchesHfTokenizers() {
    Tokenizer tok = TokenizerFiles.load(Fixtures.asset("mistral/tokenizer.json"));
    assertEquals(32000, tok.vocabSize());
    assertEquals(1, tok.bosId());
    assertEquals(2, tok.eosId());
    checkIds(tok, "mistral-hf.ids.jsonl", true);
    checkDecode(tok, "mistral-hf.decode.jsonl");
  }

  @Test
  void metaspaceTokenizerJsonMatchesHfTokenizers() {
    // the current Llama-2-style conversion: Metaspace pre-tokenizer + decoder, prepend_scheme "first"
    Tokenizer tok = TokenizerFiles.load(Fixtures.asset("mistral-metaspace"));
    checkIds(tok, "mistral-metaspace-hf.ids.jsonl", true);
    checkDecode(tok, "mistral-metaspace-hf.decode.jsonl");
  }

  @Test
  void gpt2StyleByteLevelTokenizerJsonMatchesHfTokenizers() {
    // ByteLevel with its own (GPT-2) regex and a prefix space, merges applied to every word (no ignore_merges)
    Tokenizer tok = TokenizerFiles.load(Fixtures.asset("llama3-gpt2"));
    checkIds(tok, "llama3-gpt2-hf.ids.jsonl", true);
    checkDecode(tok, "llama3-gpt2-hf.decode.jsonl");
  }

  @Test
  void addedTokenRulesMatchHfTokenizers() {
    // added tokens matched after the normalizer (normalized: true), with lstrip/rstrip, with single_word
    for (String name : List.of("mistral-added", "llama3-added")) {
      Tokenizer tok = TokenizerFiles.load(Fixtures.asset(name));
      checkIds(tok, name + "-hf.ids.jsonl", true);
      checkDecode(tok, name + "-hf.decode.jsonl");
    }
  }

  @Test
  void llama3TiktokenMatchesJsTiktoken() throws Exception {
    Path file = Fixtures.asset("llama3-tiktoken/tokenizer.model");
    Tokenizer tok = new TiktokenTokenizerProvider().load(file, new TiktokenTokenizerProvider.Options("llama3.0", 256, ""));
    assertEquals(128256, tok.vocabSize());
    checkIds(tok, "llama3-tiktoken.ids.jsonl", false);
    checkIds(tok, "llama3-tiktoken.special.ids.jsonl", true);
    checkDecode(tok, "llama3-tiktoken.decode.jsonl");
    checkDecodeBytes(tok, "llama3-tiktoken.decode.jsonl");
    roundTrip(tok);
  }

  @Test
  void sentencePieceModelMatchesSentencePiece() {
    Tokenizer tok = TokenizerFiles.load(Fixtures.reference("spm-llama2-style.model"));
    assertEquals("sentencepiece", tok.format());
    assertEquals(4000, tok.vocabSize());
    assertEquals(1, tok.bosId());
    assertEquals(2, tok.eosId());
    checkIds(tok, "spm.ids.jsonl", false);
    checkDecode(tok, "spm.decode.jsonl");
  }

  @Test
  void sentencePieceDefaultsNfkcUserDefinedAndUnknownMatchSentencePiece() {
    // spm_train defaults: nmt_nfkc precompiled character map, extra white space removed, no byte fallback
    // (unknown characters become one <unk> per run); user-defined symbols kept whole, control symbols as text
    SentencePieceTokenizer tok = (SentencePieceTokenizer) TokenizerFiles.load(Fixtures.reference("spm-nfkc-bpe.model"));
    assertEquals(4, tok.type(4)); // <|eot_id|> is user-defined
    checkIds(tok, "spm-nfkc.ids.jsonl", false);
    checkDecode(tok, "spm-nfkc.decode.jsonl");
  }

  @Test
  void adversarialFuzzStringsMatchEveryReference() throws Exception {
    // 3000 random sequences of tricky atoms (white space kinds, contractions incl. U+017F, digits, look-alikes,
    // combining marks, ZWJ, surrogate pairs, U+2581, U+0120), tools/assets/tokenizer_corpus.py --fuzz
    List<String> fuzz = fuzz();
    checkIds(Fixtures.tokenizer(Fixtures.asset("llama3")), "llama3-hf.fuzz.ids.jsonl", true, fuzz);
    checkIds(TokenizerFiles.load(Fixtures.asset("mistral/tokenizer.json")), "mistral-hf.fuzz.ids.jsonl", true, fuzz);
    Tokenizer tt = new TiktokenTokenizerProvider().load(Fixtures.asset("llama3-tiktoken/tokenizer.model"),
        new TiktokenTokenizerProvider.Options("llama3.0", 256, ""));
    checkIds(tt, "llama3-tiktoken.fuzz.ids.jsonl", false, fuzz);
    checkIds(TokenizerFiles.load(Fixtures.reference("spm-llama2-style.model")), "spm.fuzz.ids.jsonl", false, fuzz);
    checkIds(TokenizerFiles.load(Fixtures.reference("spm-nfkc-bpe.model")), "spm-nfkc.fuzz.ids.jsonl", false, fuzz);
  }
}
