package org.align4j.core.inject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.align4j.api.Align4jException;
import org.align4j.api.text.Tokenizer;
import org.align4j.api.text.TokenizerProvider;
import org.align4j.api.text.Tokenizers;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.plugin.ProviderEntry;
import org.align4j.core.recipe.OptionsBinder;

/** Loads a tokenizer by content, asking every tokenizer provider. Loaded tokenizers are cached per path. */
final class TokenizersImpl implements Tokenizers {
  private final PluginRegistry registry;
  private final OptionsBinder binder;
  private final Map<Path, Tokenizer> cache = new ConcurrentHashMap<>();

  TokenizersImpl(PluginRegistry registry) {
    this.registry = registry;
    this.binder = new OptionsBinder(registry);
  }

  @Override
  public Tokenizer load(Path fileOrDirectory) {
    Path file = pick(fileOrDirectory.toAbsolutePath().normalize());
    return cache.computeIfAbsent(file, this::loadFile);
  }

  private static Path pick(Path p) {
    if (!Files.isDirectory(p)) {
      if (!Files.exists(p)) {
        throw new Align4jException("tokenizer not found: " + p);
      }
      return p;
    }
    for (String n : new String[] {"tokenizer.json", "tokenizer.model"}) {
      if (Files.isRegularFile(p.resolve(n))) {
        return p.resolve(n);
      }
    }
    throw new Align4jException("no tokenizer.json or tokenizer.model in " + p);
  }

  private Tokenizer loadFile(Path file) {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(4096);
    } catch (IOException e) {
      throw new Align4jException("cannot read tokenizer " + file + ": " + e.getMessage(), e);
    }
    var tried = new ArrayList<String>();
    for (ProviderEntry e : registry.entries(TokenizerProvider.class)) {
      TokenizerProvider<?> p = (TokenizerProvider<?>) e.provider();
      tried.add(p.id());
      if (p.recognizes(file, head)) {
        try {
          return load(p, file);
        } catch (IOException ex) {
          throw new Align4jException("cannot read tokenizer " + file + ": " + ex.getMessage(), ex);
        }
      }
    }
    throw new Align4jException("tokenizer " + file + ": no tokenizer provider recognises this file (tried "
        + (tried.isEmpty() ? "none: no tokenizer plugin is installed" : String.join(", ", tried))
        + "); expected a Hugging Face tokenizer.json, a SentencePiece tokenizer.model or a tiktoken rank file");
  }

  /** Loads with the provider's default options. */
  private <O extends Record> Tokenizer load(TokenizerProvider<O> p, Path file) throws IOException {
    return p.load(file, binder.bindPlain(p.optionsType(), Map.of(), "tokenizer " + p.id()));
  }
}
