package org.align4j.e2e;

/** Recipe text the end-to-end tests share: a small task suite and a tokenizer trained on its corpus. */
final class TinyRecipes {
  private TinyRecipes() {}

  /**
   * The stages {@code tasks} (300 corpus documents, {@code sft} conversations, 8 or more eval prompts, {@code train}
   * train prompts, no GAtt or preference data) and {@code tokenizer} (llama3, {@code vocab} ids), indented as list
   * items under {@code stages:}.
   */
  static String tasksAndTokenizer(String outputs, int sft, int evalPrompts, int train, int vocab) {
    return """
          - id: tasks
            uses: tasks
            outputs: %s
            options: {sft_examples: %d, eval_prompts: %d, corpus_documents: 300, train_prompts: %d, gatt_dialogues: 0, preference_pairs: 0}
          - id: tokenizer
            uses: tokenizer-train
            inputs: {corpus: "${stages.tasks.outputs.corpus_text}"}
            options: {format: llama3, vocab_size: %d, reserved_special_tokens: 16}
        """.formatted(outputs, sft, evalPrompts, train, vocab);
  }
}
