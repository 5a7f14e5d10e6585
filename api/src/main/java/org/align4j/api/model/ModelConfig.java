package org.align4j.api.model;

import java.util.List;
import org.align4j.api.ComponentRef;

/**
 * A Llama architecture, in the terms of a Hugging Face {@code config.json} ({@code LlamaForCausalLM}).
 *
 * @param vocabSize {@code vocab_size}
 * @param hiddenSize {@code hidden_size} (d)
 * @param intermediateSize {@code intermediate_size} (SwiGLU hidden width)
 * @param numLayers {@code num_hidden_layers}
 * @param numHeads {@code num_attention_heads}
 * @param numKeyValueHeads {@code num_key_value_heads}: equal to numHeads for MHA, 1 for MQA, a divisor for GQA
 * @param headDim {@code head_dim} (defaults to hiddenSize / numHeads)
 * @param rmsNormEps {@code rms_norm_eps}
 * @param ropeTheta {@code rope_theta}
 * @param ropeScaling {@code rope_scaling}, null for none
 * @param maxPositionEmbeddings {@code max_position_embeddings}
 * @param tieWordEmbeddings {@code tie_word_embeddings}: the LM head is the embedding matrix
 * @param bosTokenId {@code bos_token_id} (-1 when absent)
 * @param eosTokenIds {@code eos_token_id} (an int or a list in the file)
 * @param scoreHeads outputs of the scalar head ({@code score.weight}, as {@code LlamaForSequenceClassification}
 *     names it; {@code num_labels} in the file); 0 for none. Reward and value models use 1.
 * @param dtype {@code torch_dtype} of the stored weights: float32, bfloat16 or float16
 * @param attention the {@link AttentionVariant} that narrows which keys a query sees (a sliding window), with the
 *     options it was given; {@code align4j_attention} in the file. Null for plain causal attention (every Hugging
 *     Face checkpoint); key/value sharing is {@code numKeyValueHeads} either way.
 */
public record ModelConfig(
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKeyValueHeads,
    int headDim,
    double rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    int maxPositionEmbeddings,
    boolean tieWordEmbeddings,
    int bosTokenId,
    List<Integer> eosTokenIds,
    int scoreHeads,
    String dtype,
    ComponentRef attention) {

  public ModelConfig {
    positive("vocab_size", vocabSize);
    positive("hidden_size", hiddenSize);
    positive("intermediate_size", intermediateSize);
    positive("num_hidden_layers", numLayers);
    positive("num_attention_heads", numHeads);
    positive("num_key_value_heads", numKeyValueHeads);
    positive("head_dim", headDim);
    positive("max_position_embeddings", maxPositionEmbeddings);
    if (numHeads % numKeyValueHeads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads (" + numHeads + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head_dim must be even for rotary embeddings, got " + headDim);
    }
    if (!(rmsNormEps > 0) || !(ropeTheta > 0)) {
      throw new IllegalArgumentException("rms_norm_eps and rope_theta must be > 0, got " + rmsNormEps + ", " + ropeTheta);
    }
    if (scoreHeads < 0) {
      throw new IllegalArgumentException("num_labels (score heads) must be >= 0, got " + scoreHeads);
    }
    eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
    if (dtype == null) {
      dtype = "float32";
    }
    if (!(dtype.equals("float32") || dtype.equals("bfloat16") || dtype.equals("float16"))) {
      throw new IllegalArgumentException("torch_dtype must be float32, bfloat16 or float16, got " + dtype);
    }
  }

  private static void positive(String name, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + v);
    }
  }

  /** A Llama-shaped config with the usual defaults: head_dim = d / heads, SwiGLU width ~ 8d/3 rounded to 32. */
  public static ModelConfig llama(int vocabSize, int hiddenSize, int numLayers, int numHeads, int numKeyValueHeads) {
    int inter = ((hiddenSize * 8 / 3) + 31) / 32 * 32;
    return new ModelConfig(vocabSize, hiddenSize, inter, numLayers, numHeads, numKeyValueHeads, hiddenSize / numHeads,
        1e-5, 500000.0, null, 2048, false, -1, List.of(), 0, "float32", null);
  }

  /** Key/value heads share: query head {@code h} reads key/value head {@code h / groupSize()}. */
  public int groupSize() {
    return numHeads / numKeyValueHeads;
  }

  public ModelConfig withScoreHeads(int n) {
    return new ModelConfig(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKeyValueHeads, headDim,
        rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings, tieWordEmbeddings, bosTokenId, eosTokenIds, n, dtype, attention);
  }

  public ModelConfig withKeyValueHeads(int n) {
    return new ModelConfig(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, n, headDim,
        rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings, tieWordEmbeddings, bosTokenId, eosTokenIds, scoreHeads,
        dtype, attention);
  }

  public ModelConfig withIntermediateSize(int n) {
    return new ModelConfig(vocabSize, hiddenSize, n, numLayers, numHeads, numKeyValueHeads, headDim,
        rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings, tieWordEmbeddings, bosTokenId, eosTokenIds, scoreHeads,
        dtype, attention);
  }

  public ModelConfig withRope(double theta, RopeScaling scaling) {
    return new ModelConfig(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKeyValueHeads, headDim,
        rmsNormEps, theta, scaling, maxPositionEmbeddings, tieWordEmbeddings, bosTokenId, eosTokenIds, scoreHeads, dtype, attention);
  }

  public ModelConfig withTiedEmbeddings(boolean tied) {
    return new ModelConfig(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKeyValueHeads, headDim,
        rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings, tied, bosTokenId, eosTokenIds, scoreHeads, dtype, attention);
  }

  public ModelConfig withSpecialTokens(int bos, List<Integer> eos) {
    return new ModelConfig(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKeyValueHeads, headDim,
        rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings, tieWordEmbeddings, bos, eos, scoreHeads, dtype, attention);
  }

  public ModelConfig withMaxPositions(int n) {
    return new ModelConfig(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKeyValueHeads, headDim,
        rmsNormEps, ropeTheta, ropeScaling, n, tieWordEmbeddings, bosTokenId, eosTokenIds, scoreHeads, dtype, attention);
  }

  /** This config with another attention variant (null: plain causal attention). */
  public ModelConfig withAttention(ComponentRef variant) {
    return new ModelConfig(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKeyValueHeads, headDim,
        rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings, tieWordEmbeddings, bosTokenId, eosTokenIds, scoreHeads,
        dtype, variant);
  }

  /** Number of parameters (embeddings counted once when tied). */
  public long parameterCount() {
    long d = hiddenSize;
    long attn = d * numHeads * headDim * 2 + d * numKeyValueHeads * headDim * 2;
    long mlp = 3 * d * intermediateSize;
    long layer = attn + mlp + 2 * d;
    long emb = (long) vocabSize * d;
    return emb + (tieWordEmbeddings ? 0 : emb) + numLayers * layer + d + (long) scoreHeads * d;
  }
}
