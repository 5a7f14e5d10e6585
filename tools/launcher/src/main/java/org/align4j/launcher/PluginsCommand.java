package org.align4j.launcher;

import java.io.PrintWriter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.align4j.api.ComponentRef;
import org.align4j.api.Default;
import org.align4j.api.Flat;
import org.align4j.api.Doc;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.core.plugin.ProviderEntry;
import org.align4j.core.plugin.ProviderKinds;
import org.align4j.core.recipe.Location;
import org.align4j.core.recipe.OptionsBinder;
import org.align4j.core.recipe.YNode;
import org.align4j.core.recipe.YamlTree;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "plugins", mixinStandardHelpOptions = true,
    description = "List every provider by kind, id and source jar, with its options.")
final class PluginsCommand implements Callable<Integer> {
  /** Option lines wrap their description to this width. */
  static final int WIDTH = 120;

  @Spec CommandSpec spec;

  @Option(names = "--plugins", paramLabel = "DIR", description = "also load the plugin jars in DIR")
  List<Path> plugins = new ArrayList<>();

  @Option(names = "--kind", description = "only this kind (stage, tokenizer, chat-format, loss/..., ...)")
  String kind;

  @Option(names = {"-q", "--brief"}, description = "one line per provider, no options")
  boolean brief;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    var registry = Cli.registry(plugins);
    for (var k : ProviderKinds.all()) {
      String name = ProviderKinds.name(k);
      if (kind != null && !kind.equals(name)) {
        continue;
      }
      var entries = registry.entries(k);
      if (entries.isEmpty()) {
        continue;
      }
      out.println(name + ":");
      int idWidth = Math.max(22, entries.stream().mapToInt(e -> e.id().length()).max().orElse(0));
      for (ProviderEntry e : entries) {
        String d = e.provider().description();
        out.printf("  %-" + idWidth + "s %s  [%s]%n", e.id(), d, e.source());
        if (brief) {
          continue;
        }
        if (e.provider() instanceof Stage<?> st) {
          out.println("      inputs:  " + ports(st.inputs()));
          out.println("      outputs: " + ports(st.outputs()));
        }
        options(out, e.provider().optionsType().getRecordComponents());
      }
    }
    return Main.OK;
  }

  /** One line of the options table before wrapping. */
  private record Row(String name, String type, String text) {}

  /**
   * The options as a table: name, type and description columns sized to this provider, descriptions wrapped. A
   * nested options record ({@code optimizer}) gets its own line, then one line per key named {@code optimizer.lr}
   * with the default that applies: the provider's block for that key where it gives one, else the record's. A
   * {@code @Flat} record's keys are listed as the provider's own ({@code epochs}), with defaults found the same way.
   */
  static void options(PrintWriter out, RecordComponent[] components) {
    var rows = new ArrayList<Row>();
    rows(rows, components, "", null);
    int nameWidth = 20;
    int typeWidth = 14;
    for (Row r : rows) {
      nameWidth = Math.max(nameWidth, r.name().length());
      typeWidth = Math.max(typeWidth, r.type().length());
    }
    int docColumn = 6 + nameWidth + 1 + typeWidth + 1;
    String pad = " ".repeat(docColumn);
    for (Row r : rows) {
      StringBuilder line = new StringBuilder(String.format("      %-" + nameWidth + "s %-" + typeWidth + "s ", r.name(),
          r.type()));
      boolean first = true;
      for (String word : r.text().strip().split(" +")) {
        if (!first && line.length() + 1 + word.length() > WIDTH) {
          out.println(line.toString().stripTrailing());
          line = new StringBuilder(pad);
          first = true;
        }
        if (!first) {
          line.append(' ');
        }
        line.append(word);
        first = false;
      }
      out.println(line.toString().stripTrailing());
    }
  }

  /**
   * The rows of one block's keys, named with {@code prefix}; {@code block} is the provider's {@code @Default} block for
   * them (null at the top), whose keys win over the record's own defaults. A {@link Flat} record's keys are the
   * block's own and take its prefix.
   */
  private static void rows(List<Row> rows, RecordComponent[] components, String prefix, YNode block) {
    for (RecordComponent c : components) {
      Default def = c.getAnnotation(Default.class);
      String name = OptionsBinder.snake(c.getName());
      String value = block instanceof YNode.YMap m && m.get(name) != null ? flow(m.get(name).toPlain())
          : def != null ? def.value() : null;
      if (c.getType().isRecord() && c.getType() != ComponentRef.class) {
        YNode inner = def == null ? null : YamlTree.parseValue(def.value(), new Location("@Default", 0, 0));
        boolean flat = c.isAnnotationPresent(Flat.class);
        if (!flat) {
          rows.add(new Row(prefix + name, c.getType().getSimpleName(), doc(c)));
        }
        rows(rows, c.getType().getRecordComponents(), flat ? prefix : prefix + name + ".", inner);
        continue;
      }
      rows.add(new Row(prefix + name, c.getType().getSimpleName(), (value != null ? "default " + value + ". " : "")
          + doc(c)));
    }
  }

  private static String doc(RecordComponent c) {
    Doc doc = c.getAnnotation(Doc.class);
    return doc != null ? doc.value() : "";
  }

  /** A default value as a recipe writes it: {@code [0.9, 0.95]}, {@code 1.0e-5}. */
  private static String flow(Object v) {
    if (v instanceof List<?> l) {
      return "[" + String.join(", ", l.stream().map(PluginsCommand::flow).toList()) + "]";
    }
    if (v instanceof Double d) {
      String s = String.valueOf(d);
      return s.contains("E") ? s.replace("E", "e") : s;
    }
    return String.valueOf(v);
  }

  private static String ports(List<Port> ports) {
    if (ports.isEmpty()) {
      return "-";
    }
    var parts = new ArrayList<String>();
    for (Port p : ports) {
      parts.add(p.name() + (p.required() ? "" : "?"));
    }
    return String.join(", ", parts);
  }
}
