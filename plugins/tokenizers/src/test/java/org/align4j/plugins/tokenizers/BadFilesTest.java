package org.align4j.plugins.tokenizers;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.align4j.api.Align4jException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad tokenizer files give errors that name the file and say what is wrong. */
class BadFilesTest {
  @TempDir Path tmp;

  private void fails(Path file, String... expected) {
    Align4jException e = assertThrows(Align4jException.class, () -> TokenizerFiles.load(file));
    assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
    for (String x : expected) {
      assertTrue(e.getMessage().contains(x), "says '" + x + "': " + e.getMessage());
    }
  }

  @Test
  void truncatedSentencePieceModel() throws Exception {
    byte[] b = Files.readAllBytes(Fixtures.reference("spm-llama2-style.model"));
    Path f = tmp.resolve("tokenizer.model");
    Files.write(f, Arrays.copyOf(b, b.length / 2));
    fails(f, "truncated");
  }

  @Test
  void malformedJson() throws Exception {
    Path f = tmp.resolve("tokenizer.json");
    Files.writeString(f, "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0,, }}}");
    fails(f, "malformed JSON", "line 1");
  }

  @Test
  void unknownModelType() throws Exception {
    Path f = tmp.resolve("tokenizer.json");
    Files.writeString(f, "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}");
    fails(f, "model.type", "WordPiece", "supported: BPE");
  }

  @Test
  void mergeOutsideVocabulary() throws Exception {
    Path f = tmp.resolve("tokenizer.json");
    Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}");
    fails(f, "model.merges[0]", "not in the vocabulary");
  }

  @Test
  void badTiktokenLine() throws Exception {
    Path f = tmp.resolve("tokenizer.model");
    Files.writeString(f, "IQ== 0\nIg== 1\n!!notbase64 x\n");
    fails(f, "line 3");
  }

  @Test
  void unigramSentencePieceIsRefusedClearly() throws Exception {
    // a ModelProto with one piece and trainer_spec.model_type = UNIGRAM (1)
    Proto.Writer w = new Proto.Writer();
    w.message(1, new Proto.Writer().string(1, "<unk>").float32(2, 0).int32(3, 2));
    w.message(1, new Proto.Writer().string(1, "a").float32(2, -1));
    w.message(2, new Proto.Writer().int32(3, 1));
    Path f = tmp.resolve("tokenizer.model");
    Files.write(f, w.toByteArray());
    fails(f, "UNIGRAM", "not supported");
  }

  @Test
  void unrecognisedFile() throws Exception {
    Path f = tmp.resolve("tokenizer.model");
    Files.write(f, "hello there, I am not a tokenizer".getBytes(StandardCharsets.UTF_8));
    fails(f, "not a tokenizer file");
  }

  @Test
  void missingDirectoryContent() {
    Align4jException e = assertThrows(Align4jException.class, () -> TokenizerFiles.load(tmp));
    assertTrue(e.getMessage().contains(tmp.toString()) && e.getMessage().contains("tokenizer.json"), e.getMessage());
  }
}
