package org.align4j.core.recipe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.align4j.api.ComponentRef;
import org.align4j.api.metrics.MetricsSinkProvider;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.core.plugin.PluginRegistry;

/**
 * Reads a recipe: expands {@code repeat} blocks, applies {@code --set} overrides, resolves {@code ${...}}
 * references, binds every stage's options, orders stages by their dependencies. Every problem is
 * collected and reported at once ({@link RecipeException}), each with file:line:column.
 *
 * <pre>
 * name: my-recipe
 * run_dir: runs/my-recipe
 * vars: {lr: 2.0e-5}
 * defaults: {device: cpu, seed: 17, threads: 2, chat_format: llama3, tokenizer: ..., model: ...}
 * metrics: [csv, jsonl]
 * stages:
 *   - id: sft
 *     uses: sft
 *     inputs: {model: ${stages.pretrain.outputs.model}}
 *     outputs: {model: sft/model}
 *     options: {optimizer: {lr: ${vars.lr}}}
 *   - repeat: {round: [1, 2, 3]}
 *     carry: {policy: ${stages.sft.outputs.model}}
 *     next: {policy: ${stages.ft-${round}.outputs.model}}
 *     stages:
 *       - {id: ft-${round}, uses: sft, inputs: {model: ${carry.policy}}}
 * </pre>
 */
public final class RecipeLoader {
  static final Set<String> TOP_KEYS = Set.of("name", "description", "run_dir", "vars", "defaults", "metrics", "stages");
  static final Set<String> STAGE_KEYS = Set.of("id", "uses", "description", "inputs", "outputs", "options", "after");
  static final Set<String> REPEAT_KEYS = Set.of("repeat", "carry", "next", "stages");
  static final Set<String> DEFAULT_KEYS = Set.of("device", "seed", "threads", "dtype", "chat_format", "tokenizer", "model");
  private static final Pattern REF = Pattern.compile("\\$\\{([^{}]+)}");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

  private final PluginRegistry registry;
  private final OptionsBinder binder;
  private final Path workingDir;

  public RecipeLoader(PluginRegistry registry) {
    this(registry, Path.of("").toAbsolutePath());
  }

  public RecipeLoader(PluginRegistry registry, Path workingDir) {
    this.registry = registry;
    this.binder = new OptionsBinder(registry);
    this.workingDir = workingDir;
  }

  public ResolvedRecipe load(Path file, List<String> sets) {
    if (Files.isDirectory(file)) {
      throw new RecipeException(List.of(new Problem(new Location(file.toString(), 0, 0),
          "is a directory, not a recipe file; give the path of a .yaml file")));
    }
    if (!Files.isRegularFile(file)) {
      throw new RecipeException(List.of(new Problem(new Location(file.toString(), 0, 0),
          "recipe file not found (working directory " + workingDir + ")")));
    }
    return load(YamlTree.parse(file), file.toString(), sets);
  }

  public ResolvedRecipe load(YNode root, String source, List<String> sets) {
    var problems = new ArrayList<Problem>();
    if (!(root instanceof YNode.YMap top)) {
      throw new RecipeException(List.of(new Problem(root.loc(), "a recipe is a mapping with 'name', 'defaults' and 'stages'")));
    }
    top = top.copy();
    for (String k : top.values().keySet()) {
      if (!TOP_KEYS.contains(k)) {
        problems.add(new Problem(top.keyLoc(k), "unknown recipe key '" + k + "'" + Suggest.hint(k, TOP_KEYS)));
      }
    }
    // 1. repeat blocks
    YNode stagesNode = top.get("stages");
    YNode.YList stages = new YNode.YList(top.loc());
    if (stagesNode instanceof YNode.YList l) {
      stages = expand(l, problems);
    } else if (stagesNode != null) {
      problems.add(new Problem(stagesNode.loc(), "'stages' must be a list"));
    } else {
      problems.add(new Problem(top.loc(), "the recipe has no 'stages'"));
    }
    top.put("stages", top.keyLoc("stages"), stages);
    // 2. --set overrides
    for (int i = 0; i < sets.size(); i++) {
      applySet(top, sets.get(i), i + 1, problems);
    }
    stages = top.get("stages") instanceof YNode.YList sl ? sl : stages;

    // 3. scopes for references
    String name = scalarText(top.get("name"), "recipe", problems);
    if (name == null) {
      problems.add(new Problem(top.loc(), "the recipe has no 'name'"));
      name = "recipe";
    }
    var scope = new Scope();
    scope.values.put("name", name);
    if (top.get("vars") instanceof YNode.YMap vars) {
      // vars may refer to each other (resolved on first use, cycles reported) and to name
      vars.values().forEach((k, v) -> scope.rawVars.put("vars." + k, v));
      for (var e : vars.values().entrySet()) {
        lookup("vars." + e.getKey(), e.getValue().loc(), scope, null, problems);
      }
    } else if (top.get("vars") != null) {
      problems.add(new Problem(top.get("vars").loc(), "'vars' must be a mapping"));
    }
    String runDirText = "runs/" + name;
    if (top.get("run_dir") != null) {
      YNode rd = interpolate(top.get("run_dir"), scope, null, problems);
      if (rd instanceof YNode.YScalar rs && rs.value() != null && !(rs.value() instanceof Boolean) && !rs.text().isBlank()) {
        runDirText = rs.text();
      } else {
        problems.add(new Problem(top.get("run_dir").loc(), "'run_dir' must be a directory path, got "
            + (rd instanceof YNode.YScalar rs && (rs.value() == null || rs.text().isBlank()) ? "an empty value" : "'" + rd.toPlain() + "'")));
      }
    }
    Path runDir = workingDir.resolve(runDirText).normalize();
    scope.values.put("run_dir", runDir.toString());

    var defaults = new LinkedHashMap<String, Object>();
    defaults.put("device", "cpu");
    defaults.put("seed", 17L);
    if (top.get("defaults") instanceof YNode.YMap dm) {
      for (var e : dm.values().entrySet()) {
        if (!DEFAULT_KEYS.contains(e.getKey())) {
          problems.add(new Problem(dm.keyLoc(e.getKey()), "unknown default '" + e.getKey() + "'"
              + Suggest.hint(e.getKey(), DEFAULT_KEYS) + " (put your own values under 'vars')"));
        }
      }
    } else if (top.get("defaults") != null) {
      problems.add(new Problem(top.get("defaults").loc(), "'defaults' must be a mapping"));
    }

    // 4. stage headers: ids, providers, outputs (needed to resolve references)
    var headers = new LinkedHashMap<String, Header>();
    var checked = new ArrayList<OutputAt>(); // outputs inside the run directory, checked for overlaps
    for (YNode item : stages.items()) {
      if (!(item instanceof YNode.YMap sm)) {
        problems.add(new Problem(item.loc(), "a stage is a mapping with 'id' and 'uses'"));
        continue;
      }
      for (String k : sm.values().keySet()) {
        if (!STAGE_KEYS.contains(k)) {
          problems.add(new Problem(sm.keyLoc(k), "unknown stage key '" + k + "'" + Suggest.hint(k, STAGE_KEYS)));
        }
      }
      String id = scalarText(sm.get("id"), "stage id", problems);
      String uses = scalarText(sm.get("uses"), "uses", problems);
      if (id == null) {
        problems.add(new Problem(sm.loc(), "stage without 'id'"));
        continue;
      }
      if (!ID.matcher(id).matches()) {
        problems.add(new Problem(sm.get("id").loc(), "stage id '" + id + "' may only hold letters, digits, '-', '_' and '.'"));
      }
      if (headers.containsKey(id)) {
        problems.add(new Problem(sm.get("id").loc(), "duplicate stage id '" + id + "' (first at " + headers.get(id).node.loc() + ")"));
        continue;
      }
      Stage<?> stage = null;
      if (uses == null) {
        problems.add(new Problem(sm.loc(), "stage '" + id + "' has no 'uses' (the stage provider id)"));
      } else {
        var pe = registry.find(Stage.class, uses);
        if (pe.isEmpty()) {
          problems.add(new Problem(sm.get("uses").loc(), "unknown stage '" + uses + "'"
              + Suggest.hint(uses, registry.ids(Stage.class)) + binder.loadErrorNote()));
        } else {
          stage = (Stage<?>) pe.get().provider();
        }
      }
      var h = new Header(id, uses, stage, sm);
      headers.put(id, h);
      var declared = sm.get("outputs");
      if (declared != null && !(declared instanceof YNode.YMap)) {
        problems.add(new Problem(declared.loc(), "'outputs' must be a mapping of output name: path"));
      }
      if (stage != null) {
        var ports = stage.outputs().stream().map(Port::name).toList();
        if (declared instanceof YNode.YMap om) {
          for (var e : om.values().entrySet()) {
            if (!ports.contains(e.getKey())) {
              problems.add(new Problem(om.keyLoc(e.getKey()), "stage '" + id + "' (" + uses + ") has no output '"
                  + e.getKey() + "'" + Suggest.hint(e.getKey(), ports)));
            }
          }
        }
        for (String port : ports) {
          YNode v = declared instanceof YNode.YMap om ? om.get(port) : null;
          Object rel = v == null ? id + "/" + port : interpolate(v, scope, null, problems).toPlain();
          Location at = v != null ? v.loc() : sm.get("id").loc();
          Path p;
          try {
            p = runDir.resolve(rel == null ? "" : String.valueOf(rel)).normalize();
          } catch (java.nio.file.InvalidPathException e) {
            problems.add(new Problem(at, "output '" + port + "' of stage '" + id + "' is not a valid path: " + e.getMessage()));
            continue;
          }
          h.outputs.put(port, p);
          // the runner replaces whatever is at an output path, so a path that holds anything else is refused here
          String bad = RunLayout.outputProblem(runDir, p);
          if (bad != null) {
            problems.add(new Problem(at, "output '" + port + "' of stage '" + id + "' " + bad
                + (v == null ? "; set outputs." + port + " to another path" : "; choose another path, e.g. the default '"
                    + id + "/" + port + "'")));
          } else {
            checked.add(new OutputAt(id, port, p, at));
          }
        }
      }
    }
    for (int j = 0; j < checked.size(); j++) {
      for (int i = 0; i < j; i++) {
        var a = checked.get(i);
        var b = checked.get(j);
        if (b.path.startsWith(a.path) || a.path.startsWith(b.path)) {
          String how = a.path.equals(b.path) ? "is also" : a.path.startsWith(b.path) ? "contains" : "is inside";
          problems.add(new Problem(b.at, "output '" + b.port + "' of stage '" + b.stage + "' is " + b.path + ", which " + how
              + " output '" + a.port + "' of stage '" + a.stage + "' (" + a.path + "); each output needs a path of its own"));
        }
      }
    }
    for (var h : headers.values()) {
      h.outputs.forEach((k, p) -> scope.values.put("stages." + h.id + ".outputs." + k, p.toString()));
      scope.stageIds.add(h.id);
      scope.outputsByStage.put(h.id, List.copyOf(h.outputs.keySet()));
    }

    // 5. defaults, interpolated (they may use vars and stage outputs)
    var defaultDeps = new LinkedHashSet<String>();
    if (top.get("defaults") instanceof YNode.YMap dm) {
      for (var e : dm.values().entrySet()) {
        defaults.put(e.getKey(), interpolate(e.getValue(), scope, defaultDeps, problems).toPlain());
      }
    }
    checkDefaults(defaults, top.get("defaults"), problems);
    defaults.forEach((k, v) -> scope.values.put("defaults." + k, v));

    // 6. stages: inputs, options
    var resolved = new ArrayList<ResolvedStage>();
    for (var h : headers.values()) {
      var deps = new LinkedHashSet<String>();
      var inputs = new LinkedHashMap<String, ResolvedStage.Input>();
      YNode in = h.node.get("inputs");
      if (in != null && !(in instanceof YNode.YMap)) {
        problems.add(new Problem(in.loc(), "'inputs' must be a mapping of input name: path or ${stages.<id>.outputs.<name>}"));
      }
      if (h.stage != null) {
        var ports = h.stage.inputs().stream().map(Port::name).toList();
        if (in instanceof YNode.YMap im) {
          for (var e : im.values().entrySet()) {
            if (!ports.contains(e.getKey())) {
              problems.add(new Problem(im.keyLoc(e.getKey()), "stage '" + h.id + "' (" + h.uses + ") has no input '"
                  + e.getKey() + "'" + Suggest.hint(e.getKey(), ports)));
              continue;
            }
            var refDeps = new LinkedHashSet<String>();
            int known = problems.size();
            YNode v = interpolate(e.getValue(), scope, refDeps, problems);
            if (problems.size() > known) {
              continue; // the reference is already reported; a missing-file error would only repeat it
            }
            deps.addAll(refDeps);
            if (v instanceof YNode.YScalar s && (s.value() == null || "".equals(s.value()))) {
              continue; // an empty value leaves an optional input out (e.g. a carry value in round 1)
            }
            if (!(v instanceof YNode.YScalar s)) {
              problems.add(new Problem(e.getValue().loc(), "input '" + e.getKey() + "' of stage '" + h.id + "' must be a path"));
              continue;
            }
            Path p = workingDir.resolve(s.text()).normalize();
            String from = null;
            String fromOut = null;
            for (String d : refDeps) {
              var hd = headers.get(d);
              for (var oe : hd.outputs.entrySet()) {
                if (oe.getValue().equals(p)) {
                  from = d;
                  fromOut = oe.getKey();
                }
              }
            }
            if (from == null && !Files.exists(p)) {
              problems.add(new Problem(e.getValue().loc(), "input '" + e.getKey() + "' of stage '" + h.id
                  + "': file not found: " + p + " (paths are relative to the working directory " + workingDir + ")"));
            }
            if (h.id.equals(from)) {
              problems.add(new Problem(e.getValue().loc(), "input '" + e.getKey() + "' of stage '" + h.id
                  + "' is the stage's own output '" + fromOut + "'; a stage's outputs replace what was there, so it cannot read them"));
            } else if (from == null) {
              checkInputAgainstOutputs(h.id, e.getKey(), p, refDeps, headers, checked, problems);
            }
            inputs.put(e.getKey(), new ResolvedStage.Input(p, from, fromOut));
          }
        }
        for (Port port : h.stage.inputs()) {
          if (port.required() && !inputs.containsKey(port.name())
              && !(in instanceof YNode.YMap im && im.get(port.name()) != null)) {
            problems.add(new Problem(h.node.loc(), "stage '" + h.id + "' (" + h.uses + ") is missing required input '"
                + port.name() + "' (" + port.description() + ")"));
          }
        }
      }
      YNode after = h.node.get("after");
      if (after != null) {
        var list = after instanceof YNode.YList al ? al.items() : List.of(after);
        for (YNode a : list) {
          String dep = a instanceof YNode.YScalar s ? s.text() : null;
          if (dep == null || !headers.containsKey(dep)) {
            problems.add(new Problem(a.loc(), "'after' names unknown stage '" + dep + "'" + Suggest.hint(String.valueOf(dep), headers.keySet())));
          } else {
            deps.add(dep);
          }
        }
      }
      Record options = null;
      Object optionsPlain = Map.of();
      if (h.stage != null) {
        var optDeps = new LinkedHashSet<String>();
        YNode opts = h.node.get("options");
        YNode interp = opts == null ? null : interpolate(opts, scope, optDeps, problems);
        deps.addAll(optDeps);
        options = binder.bind(h.stage.optionsType(), interp, "stage '" + h.id + "' (" + h.uses + ")", problems);
        optionsPlain = interp == null ? Map.of() : interp.toPlain();
      }
      deps.remove(h.id);
      resolved.add(new ResolvedStage(h.id, h.uses, h.stage, options, optionsPlain, inputs, Map.copyOf(h.outputs),
          Set.copyOf(deps), h.node.loc()));
    }

    // A default that names a stage output (defaults.tokenizer: ${stages.tok.outputs.tokenizer}) makes every
    // stage run after that producer, except the producer's own ancestors (they cannot be using it).
    if (!defaultDeps.isEmpty()) {
      var byId = new LinkedHashMap<String, ResolvedStage>();
      resolved.forEach(r -> byId.put(r.id(), r));
      var ancestors = new java.util.HashSet<String>();
      var todo = new java.util.ArrayDeque<>(defaultDeps);
      while (!todo.isEmpty()) {
        var st = byId.get(todo.pop());
        if (st != null && ancestors.add(st.id())) {
          todo.addAll(st.dependsOn());
        }
      }
      for (int i = 0; i < resolved.size(); i++) {
        var r = resolved.get(i);
        if (!ancestors.contains(r.id())) {
          var deps = new LinkedHashSet<>(r.dependsOn());
          deps.addAll(defaultDeps);
          resolved.set(i, new ResolvedStage(r.id(), r.uses(), r.stage(), r.options(), r.optionsPlain(), r.inputs(),
              r.outputs(), Set.copyOf(deps), r.location()));
        }
      }
    }

    // 7. metrics sinks
    var metrics = new ArrayList<ComponentRef>();
    YNode mnode = top.get("metrics");
    if (mnode == null) {
      for (String id : List.of("csv", "jsonl", "tensorboard")) {
        if (registry.find(MetricsSinkProvider.class, id).isPresent()) {
          metrics.add(ComponentRef.of(id));
        }
      }
    } else if (mnode instanceof YNode.YList ml) {
      for (YNode m : ml.items()) {
        var ref = binder.bindComponent(MetricsSinkProvider.class, interpolate(m, scope, null, problems), "metrics sink", problems);
        if (ref != null) {
          metrics.add(ref);
        }
      }
    } else {
      problems.add(new Problem(mnode.loc(), "'metrics' must be a list of sink ids or {uses: <id>, ...}"));
    }

    var ordered = order(resolved, problems);
    if (!problems.isEmpty()) {
      throw new RecipeException(problems);
    }
    var record = new LinkedHashMap<String, Object>();
    record.put("name", name);
    record.put("source", source);
    record.put("run_dir", runDir.toString());
    record.put("defaults", defaults);
    var st = new ArrayList<Object>();
    for (var s : ordered) {
      var m = new LinkedHashMap<String, Object>();
      m.put("id", s.id());
      m.put("uses", s.uses());
      var ins = new LinkedHashMap<String, Object>();
      s.inputs().forEach((k, v) -> ins.put(k, v.path().toString()));
      m.put("inputs", ins);
      var outs = new LinkedHashMap<String, Object>();
      s.outputs().forEach((k, v) -> outs.put(k, v.toString()));
      m.put("outputs", outs);
      m.put("options", s.optionsPlain());
      st.add(m);
    }
    record.put("stages", st);
    return new ResolvedRecipe(name, source, runDir, Map.copyOf(defaults), ordered, List.copyOf(metrics), record);
  }

  private static void checkDefaults(Map<String, Object> d, YNode node, List<Problem> problems) {
    Location at = node == null ? Location.UNKNOWN : node.loc();
    Object dev = d.get("device");
    if (dev != null && !String.valueOf(dev).matches("cpu|cuda(:\\d+)?")) {
      problems.add(new Problem(at, "defaults.device must be cpu, cuda or cuda:<n>, got '" + dev + "'"));
    }
    for (String k : List.of("seed", "threads")) {
      Object v = d.get(k);
      if (v != null && !(v instanceof Long)) {
        problems.add(new Problem(at, "defaults." + k + " must be an integer, got '" + v + "'"));
      } else if (k.equals("threads") && v != null && ((Long) v < 1 || (Long) v > 4096)) {
        problems.add(new Problem(at, "defaults.threads must be in [1, 4096], got " + v));
      }
    }
    Object dt = d.get("dtype");
    if (dt != null && !String.valueOf(dt).matches("float32|bfloat16|float16")) {
      problems.add(new Problem(at, "defaults.dtype must be float32, bfloat16 or float16, got '" + dt + "'"));
    }
  }

  /** Stages in dependency order; declaration order among independent stages. */
  private static List<ResolvedStage> order(List<ResolvedStage> stages, List<Problem> problems) {
    var byId = new LinkedHashMap<String, ResolvedStage>();
    stages.forEach(s -> byId.put(s.id(), s));
    var out = new ArrayList<ResolvedStage>();
    var state = new HashMap<String, Integer>();
    for (var s : stages) {
      visit(s, byId, state, out, new ArrayList<>(), problems);
    }
    return out;
  }

  private static void visit(ResolvedStage s, Map<String, ResolvedStage> byId, Map<String, Integer> state,
      List<ResolvedStage> out, List<String> path, List<Problem> problems) {
    Integer st = state.get(s.id());
    if (st != null && st == 2) {
      return;
    }
    if (st != null && st == 1) {
      var cycle = new ArrayList<>(path.subList(path.indexOf(s.id()), path.size()));
      cycle.add(s.id());
      problems.add(new Problem(s.location(), "stages depend on each other in a cycle: " + String.join(" -> ", cycle)));
      return;
    }
    state.put(s.id(), 1);
    path.add(s.id());
    for (String d : s.dependsOn()) {
      var dep = byId.get(d);
      if (dep != null) {
        visit(dep, byId, state, out, path, problems);
      }
    }
    path.remove(path.size() - 1);
    state.put(s.id(), 2);
    out.add(s);
  }

  // ---- repeat expansion --------------------------------------------------------------------------

  private YNode.YList expand(YNode.YList items, List<Problem> problems) {
    var out = new YNode.YList(items.loc());
    for (YNode item : items.items()) {
      if (item instanceof YNode.YMap m && m.get("repeat") != null) {
        for (String k : m.values().keySet()) {
          if (!REPEAT_KEYS.contains(k)) {
            problems.add(new Problem(m.keyLoc(k), "unknown key '" + k + "' in a repeat block" + Suggest.hint(k, REPEAT_KEYS)));
          }
        }
        if (!(m.get("repeat") instanceof YNode.YMap rm) || rm.values().size() != 1
            || !(rm.values().values().iterator().next() instanceof YNode.YList values)) {
          problems.add(new Problem(m.get("repeat").loc(), "'repeat' must be {<variable>: [values...]}, e.g. {round: [1, 2, 3]}"));
          continue;
        }
        String var = rm.values().keySet().iterator().next();
        if (!(m.get("stages") instanceof YNode.YList body)) {
          problems.add(new Problem(m.loc(), "a repeat block needs 'stages: [...]'"));
          continue;
        }
        var carry = new LinkedHashMap<String, String>();
        if (m.get("carry") instanceof YNode.YMap cm) {
          cm.values().forEach((k, v) -> carry.put(k, String.valueOf(v.toPlain())));
        }
        YNode.YMap next = m.get("next") instanceof YNode.YMap nm ? nm : null;
        if (next != null) {
          for (String k : next.values().keySet()) {
            if (!carry.containsKey(k)) {
              problems.add(new Problem(next.keyLoc(k), "'next." + k + "' has no initial value in 'carry'" + Suggest.hint(k, carry.keySet())));
            }
          }
        }
        for (YNode value : values.items()) {
          var subst = new HashMap<String, String>();
          subst.put(var, String.valueOf(value.toPlain()));
          carry.forEach((k, v) -> subst.put("carry." + k, v));
          YNode.YList copy = (YNode.YList) substitute(body, subst);
          out.items().addAll(expand(copy, problems).items());
          if (next != null) {
            next.values().forEach((k, v) -> carry.put(k, String.valueOf(substitute(v, subst).toPlain())));
          }
        }
      } else {
        out.items().add(item);
      }
    }
    return out;
  }

  /** Replaces {@code ${var}} tokens of the given names only; other references stay for later. */
  private static YNode substitute(YNode n, Map<String, String> subst) {
    if (n instanceof YNode.YScalar s) {
      if (!(s.value() instanceof String str) || !str.contains("${")) {
        return s;
      }
      String cur = str;
      for (int guard = 0; guard < 8; guard++) {
        Matcher mm = REF.matcher(cur);
        var sb = new StringBuilder();
        boolean changed = false;
        while (mm.find()) {
          String key = mm.group(1).trim();
          String rep = subst.get(key);
          if (rep != null) {
            changed = true;
            mm.appendReplacement(sb, Matcher.quoteReplacement(rep));
          } else {
            mm.appendReplacement(sb, Matcher.quoteReplacement(mm.group()));
          }
        }
        mm.appendTail(sb);
        cur = sb.toString();
        if (!changed) {
          break;
        }
      }
      return new YNode.YScalar(cur, s.loc());
    }
    if (n instanceof YNode.YMap m) {
      var out = new YNode.YMap(m.loc());
      m.values().forEach((k, v) -> out.put(String.valueOf(substitute(new YNode.YScalar(k, m.keyLoc(k)), subst).toPlain()),
          m.keyLoc(k), substitute(v, subst)));
      return out;
    }
    var l = (YNode.YList) n;
    var out = new YNode.YList(l.loc());
    l.items().forEach(i -> out.items().add(substitute(i, subst)));
    return out;
  }

  // ---- --set -------------------------------------------------------------------------------------

  private static void applySet(YNode.YMap top, String set, int index, List<Problem> problems) {
    Location at = new Location("--set #" + index + " '" + set + "'", 0, 0);
    int eq = set.indexOf('=');
    if (eq <= 0) {
      problems.add(new Problem(at, "--set expects path=value, e.g. --set stages.sft.options.optimizer.lr=1e-5"));
      return;
    }
    String[] path = set.substring(0, eq).trim().split("\\.", -1);
    for (String seg : path) {
      if (seg.isBlank()) {
        problems.add(new Problem(at, "--set: the path '" + set.substring(0, eq) + "' has an empty part; write e.g. stages.sft.options.optimizer.lr=1e-5"));
        return;
      }
    }
    if (path.length == 1 && path[0].equals("stages")) {
      problems.add(new Problem(at, "--set: cannot replace the whole stage list; set one stage's key (stages.<id>.options.<key>=...)"));
      return;
    }
    YNode value = YamlTree.parseValue(set.substring(eq + 1), at);
    YNode cur = top;
    for (int i = 0; i < path.length; i++) {
      String seg = path[i];
      boolean last = i == path.length - 1;
      if (cur instanceof YNode.YMap m) {
        if (i == 0 && !TOP_KEYS.contains(seg)) {
          problems.add(new Problem(at, "--set: unknown recipe key '" + seg + "'" + Suggest.hint(seg, TOP_KEYS)));
          return;
        }
        if (last) {
          m.put(seg, at, value);
          return;
        }
        YNode nextNode = m.get(seg);
        if (nextNode == null || nextNode instanceof YNode.YScalar sc && sc.value() == null) {
          nextNode = new YNode.YMap(at);
          m.put(seg, at, nextNode);
        }
        cur = nextNode;
      } else if (cur instanceof YNode.YList l) {
        YNode found = null;
        var ids = new ArrayList<String>();
        for (YNode item : l.items()) {
          if (item instanceof YNode.YMap im && im.get("id") instanceof YNode.YScalar s) {
            ids.add(s.text());
            if (seg.equals(s.text())) {
              found = item;
            }
          }
        }
        if (found == null && seg.matches("\\d{1,9}") && Integer.parseInt(seg) < l.items().size()) {
          found = l.items().get(Integer.parseInt(seg));
        }
        if (found == null) {
          problems.add(new Problem(at, "--set: no stage '" + seg + "'" + Suggest.hint(seg, ids)));
          return;
        }
        if (last) {
          problems.add(new Problem(at, "--set: cannot replace a whole stage; set one of its keys (" + set.substring(0, eq) + ".options.<key>)"));
          return;
        }
        cur = found;
      } else {
        problems.add(new Problem(at, "--set: '" + String.join(".", java.util.Arrays.copyOf(path, i)) + "' is a value, not a mapping"));
        return;
      }
    }
  }

  // ---- references --------------------------------------------------------------------------------

  /** Values references may name: {@code name}, {@code run_dir}, {@code vars.*}, {@code defaults.*}, {@code stages.<id>.outputs.<name>}. */
  private static final class Scope {
    final Map<String, Object> values = new HashMap<>();
    final Map<String, YNode> rawVars = new LinkedHashMap<>(); // vars not yet resolved
    final List<String> resolving = new ArrayList<>(); // vars being resolved, for cycles
    final List<String> stageIds = new ArrayList<>();
    final Map<String, List<String>> outputsByStage = new HashMap<>();
  }

  private YNode interpolate(YNode n, Scope scope, Set<String> deps, List<Problem> problems) {
    if (n instanceof YNode.YMap m) {
      var out = new YNode.YMap(m.loc());
      m.values().forEach((k, v) -> out.put(k, m.keyLoc(k), interpolate(v, scope, deps, problems)));
      return out;
    }
    if (n instanceof YNode.YList l) {
      var out = new YNode.YList(l.loc());
      l.items().forEach(i -> out.items().add(interpolate(i, scope, deps, problems)));
      return out;
    }
    var s = (YNode.YScalar) n;
    if (!(s.value() instanceof String str) || !str.contains("${")) {
      return s;
    }
    String malformed = malformedReference(str);
    if (malformed != null) {
      problems.add(new Problem(s.loc(), "malformed reference in '" + str + "': " + malformed
          + "; a reference is ${name}, ${run_dir}, ${vars.<name>}, ${defaults.<key>} or ${stages.<id>.outputs.<name>}"));
      return s;
    }
    Matcher whole = REF.matcher(str);
    if (whole.matches()) {
      Object v = lookup(whole.group(1).trim(), s.loc(), scope, deps, problems);
      return v instanceof Map || v instanceof List ? OptionsBinder.fromPlain(v, s.loc()) : new YNode.YScalar(v, s.loc());
    }
    Matcher mm = REF.matcher(str);
    var sb = new StringBuilder();
    while (mm.find()) {
      Object v = lookup(mm.group(1).trim(), s.loc(), scope, deps, problems);
      mm.appendReplacement(sb, Matcher.quoteReplacement(String.valueOf(v)));
    }
    mm.appendTail(sb);
    return new YNode.YScalar(sb.toString(), s.loc());
  }

  /** What is wrong with the {@code ${...}} references of a text, or null. */
  static String malformedReference(String str) {
    Matcher mm = REF.matcher(str);
    var rest = new StringBuilder();
    int last = 0;
    while (mm.find()) {
      if (mm.group(1).isBlank()) {
        return "'" + mm.group() + "' names nothing";
      }
      rest.append(str, last, mm.start()).append(' ');
      last = mm.end();
    }
    rest.append(str.substring(last));
    int at = rest.indexOf("${");
    if (at >= 0) {
      return rest.indexOf("}", at) < 0 ? "'${' without a closing '}'" : "'${' with nested or empty braces";
    }
    return null;
  }

  private Object lookup(String key, Location loc, Scope scope, Set<String> deps, List<Problem> problems) {
    if (!scope.values.containsKey(key) && scope.rawVars.containsKey(key)) {
      if (scope.resolving.contains(key)) {
        var cycle = new ArrayList<>(scope.resolving.subList(scope.resolving.indexOf(key), scope.resolving.size()));
        cycle.add(key);
        problems.add(new Problem(loc, "cannot resolve ${" + key + "}: vars refer to each other in a cycle: "
            + String.join(" -> ", cycle)));
        return "${" + key + "}";
      }
      scope.resolving.add(key);
      YNode raw = scope.rawVars.get(key);
      Object v = interpolate(raw, scope, null, problems).toPlain();
      scope.resolving.remove(scope.resolving.size() - 1);
      scope.values.put(key, v);
      scope.rawVars.remove(key);
    }
    if (scope.values.containsKey(key)) {
      if (key.startsWith("stages.") && deps != null) {
        deps.add(key.split("\\.")[1]);
      }
      return scope.values.get(key);
    }
    String[] parts = key.split("\\.");
    String msg;
    if (parts[0].equals("stages")) {
      if (parts.length != 4 || !parts[2].equals("outputs")) {
        msg = "a stage reference is ${stages.<id>.outputs.<name>}";
      } else if (!scope.stageIds.contains(parts[1])) {
        msg = "no stage '" + parts[1] + "'" + Suggest.hint(parts[1], scope.stageIds);
      } else {
        var outs = scope.outputsByStage.getOrDefault(parts[1], List.of());
        msg = "stage '" + parts[1] + "' has no output '" + parts[3] + "'" + Suggest.hint(parts[3], outs);
      }
    } else {
      var known = scope.values.keySet().stream().filter(k -> !k.startsWith("stages.")).sorted().toList();
      msg = "unknown reference" + Suggest.hint(key, known);
      if (parts[0].equals("carry") || parts.length == 1) {
        msg += " (repeat variables and carry values exist only inside their repeat block)";
      }
    }
    problems.add(new Problem(loc, "cannot resolve ${" + key + "}: " + msg));
    return "${" + key + "}";
  }

  /**
   * A user's file (not another stage's output) that a stage output would replace: the output path contains it
   * or lies inside it. A path built on a referenced stage's output ({@code ${stages.x.outputs.y}/sub}) is that
   * stage's, not the user's.
   */
  private static void checkInputAgainstOutputs(String stage, String input, Path p, Set<String> refDeps,
      Map<String, Header> headers, List<OutputAt> outputs, List<Problem> problems) {
    for (String d : refDeps) {
      var hd = headers.get(d);
      if (hd != null && hd.outputs.values().stream().anyMatch(p::startsWith)) {
        return;
      }
    }
    for (var o : outputs) {
      if (o.path.startsWith(p) || p.startsWith(o.path)) {
        String how = o.path.equals(p) ? "is also" : p.startsWith(o.path) ? "contains" : "is inside";
        problems.add(new Problem(o.at, "output '" + o.port + "' of stage '" + o.stage + "' is " + o.path + ", which " + how
            + " input '" + input + "' of stage '" + stage + "' (" + p + "); choose another output path"
            + (o.path.equals(p) ? " or, to read this output, refer to it as ${stages." + o.stage + ".outputs." + o.port + "}" : "")));
      }
    }
  }

  /** A stage output path and where the recipe declares it (the stage id for a default path). */
  private record OutputAt(String stage, String port, Path path, Location at) {}

  private static String scalarText(YNode n, String what, List<Problem> problems) {
    if (n == null) {
      return null;
    }
    if (n instanceof YNode.YScalar s && s.value() != null && !(s.value() instanceof Boolean)) {
      return s.text();
    }
    problems.add(new Problem(n.loc(), what + " must be a plain value"));
    return null;
  }

  private static final class Header {
    final String id;
    final String uses;
    final Stage<?> stage;
    final YNode.YMap node;
    final Map<String, Path> outputs = new LinkedHashMap<>();

    Header(String id, String uses, Stage<?> stage, YNode.YMap node) {
      this.id = id;
      this.uses = uses;
      this.stage = stage;
      this.node = node;
    }
  }

  /** Providers by id for listings. */
  public PluginRegistry registry() {
    return registry;
  }

}
