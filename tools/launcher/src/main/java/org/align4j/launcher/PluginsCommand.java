package org.align4j.launcher;

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
    var registry = Cli.registry(plugins, spec.commandLine().getErr());
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
      for (ProviderEntry e : entries) {
        String d = e.provider().description();
        out.printf("  %-22s %s  [%s]%n", e.id(), d, e.source());
        if (brief) {
          continue;
        }
        if (e.provider() instanceof Stage<?> st) {
          out.println("      inputs:  " + ports(st.inputs()));
          out.println("      outputs: " + ports(st.outputs()));
        }
        for (RecordComponent c : e.provider().optionsType().getRecordComponents()) {
          Default def = c.getAnnotation(Default.class);
          Doc doc = c.getAnnotation(Doc.class);
          out.printf("      %-20s %-14s %s%s%n", OptionsBinder.snake(c.getName()), c.getType().getSimpleName(),
              def != null ? "default " + def.value() + ". " : "", doc != null ? doc.value() : "");
        }
      }
    }
    return Main.OK;
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
