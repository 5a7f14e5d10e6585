package org.align4j.launcher;

import java.io.PrintWriter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.core.plugin.ProviderEntry;
import org.align4j.core.plugin.ProviderKinds;
import org.align4j.core.recipe.OptionsBinder;
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

  /** The options as a table: name, type and description columns sized to this provider, descriptions wrapped. */
  static void options(PrintWriter out, RecordComponent[] components) {
    int nameWidth = 20;
    int typeWidth = 14;
    for (RecordComponent c : components) {
      nameWidth = Math.max(nameWidth, OptionsBinder.snake(c.getName()).length());
      typeWidth = Math.max(typeWidth, c.getType().getSimpleName().length());
    }
    int docColumn = 6 + nameWidth + 1 + typeWidth + 1;
    String pad = " ".repeat(docColumn);
    for (RecordComponent c : components) {
      Default def = c.getAnnotation(Default.class);
      Doc doc = c.getAnnotation(Doc.class);
      String text = (def != null ? "default " + def.value() + ". " : "") + (doc != null ? doc.value() : "");
      StringBuilder line = new StringBuilder(String.format("      %-" + nameWidth + "s %-" + typeWidth + "s ",
          OptionsBinder.snake(c.getName()), c.getType().getSimpleName()));
      boolean first = true;
      for (String word : text.strip().split(" +")) {
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
