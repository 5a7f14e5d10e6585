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
import org.align4j.api.data.Schemas;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.RecipeDefaults;
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
  static final Set<String> TOP_KEYS = Set.of("name", "description", "run_dir", "output_roots", "vars", "defaults", "metrics",
      "stages");
  static final Set<String> STAGE_KEYS = Set.of("id", "uses", "description", "inputs", "outputs", "options", "after");
  static final Set<String> REPEAT_KEYS = Set.of("repeat", "carry", "next", "stages");
  static final Set<String> DEFAULT_KEYS = Set.of("device", "seed", "threads", "dtype", "chat_format", "tokenizer", "model",
      "zero");
  static final Pattern REF = Pattern.compile("\\$\\{([^{}]+)}");
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
    var recipe = new Loading(topLevelMap(root));
    recipe.checkTopLevelKeys();
    recipe.expandRepeatBlocks();
    recipe.applyOverrides(sets);
    recipe.readName();
    recipe.resolveVars();
    recipe.resolveRunDir();
    recipe.readOutputRoots();
    recipe.checkDefaultKeys();
    recipe.readStageHeaders();
    recipe.checkOutputOverlaps();
    recipe.publishStageOutputs();
    recipe.resolveDefaults();
    recipe.resolveStages();
    recipe.orderAfterDefaultProducers();
    recipe.readMetricsSinks();
    return recipe.validated(source);
  }

  /** A copy of the recipe's top-level mapping (the steps change it), or the error that it is not one. */
  private static YNode.YMap topLevelMap(YNode root) {
    if (!(root instanceof YNode.YMap top)) {
      throw new RecipeException(List.of(new Problem(root.loc(), "a recipe is a mapping with 'name', 'defaults' and 'stages'")));
    }
    return top.copy();
  }

  /**
   * One recipe being loaded: the steps of {@link #load(YNode, String, List)}, in that order, and what each
   * leaves for the next. Every problem is collected in {@link #problems}, in the order the steps find them.
   */
  private final class Loading {
    final List<Problem> problems = new ArrayList<>();
    final YNode.YMap top;
    YNode.YList stages;
    final Scope scope = new Scope();
    String name;
    Path runDir;
    /** {@code output_roots}: where outside the run directory outputs may go. */
    final List<Path> outputRoots = new ArrayList<>();
    final Map<String, Object> defaults = new LinkedHashMap<>();
    /** The stages that the defaults refer to (e.g. the producer of {@code defaults.tokenizer}). */
    final Set<String> defaultDeps = new LinkedHashSet<>();
    final Map<String, Header> headers = new LinkedHashMap<>();
    /** Outputs inside the run directory, checked for overlaps with each other and with input files. */
    final List<OutputAt> outputs = new ArrayList<>();
    final List<ResolvedStage> resolved = new ArrayList<>();
    final List<ComponentRef> metrics = new ArrayList<>();

    Loading(YNode.YMap top) {
      this.top = top;
    }

    void checkTopLevelKeys() {
      for (String k : top.values().keySet()) {
        if (!TOP_KEYS.contains(k)) {
          problems.add(new Problem(top.keyLoc(k), "unknown recipe key '" + k + "'" + Suggest.hint(k, TOP_KEYS)));
        }
      }
    }

    void expandRepeatBlocks() {
      YNode stagesNode = top.get("stages");
      stages = new YNode.YList(top.loc());
      if (stagesNode instanceof YNode.YList l) {
        stages = RepeatBlocks.expand(l, problems);
      } else if (stagesNode != null) {
        problems.add(new Problem(stagesNode.loc(), "'stages' must be a list"));
      } else {
        problems.add(new Problem(top.loc(), "the recipe has no 'stages'"));
      }
      top.put("stages", top.keyLoc("stages"), stages);
    }

    /** {@code --set path=value}, after repeat expansion so that they can name the stages it produced. */
    void applyOverrides(List<String> sets) {
      for (int i = 0; i < sets.size(); i++) {
        SetOverrides.apply(top, sets.get(i), i + 1, problems);
      }
      stages = top.get("stages") instanceof YNode.YList sl ? sl : stages;
    }

    void readName() {
      name = scalarText(top.get("name"), "recipe", problems);
      if (name == null) {
        problems.add(new Problem(top.loc(), "the recipe has no 'name'"));
        name = "recipe";
      }
      scope.values.put("name", name);
    }

    void resolveVars() {
      if (top.get("vars") instanceof YNode.YMap vars) {
        // vars may refer to each other (resolved on first use, cycles reported) and to name
        vars.values().forEach((k, v) -> scope.rawVars.put("vars." + k, v));
        for (var e : vars.values().entrySet()) {
          lookup("vars." + e.getKey(), e.getValue().loc(), scope, null, problems);
        }
      } else if (top.get("vars") != null) {
        problems.add(new Problem(top.get("vars").loc(), "'vars' must be a mapping"));
      }
    }

    void resolveRunDir() {
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
      runDir = workingDir.resolve(runDirText).normalize();
      scope.values.put("run_dir", runDir.toString());
    }

    /** {@code output_roots: [dir, ...]}: directories outside the run directory that outputs may be written in. */
    void readOutputRoots() {
      YNode n = top.get("output_roots");
      if (n == null) {
        return;
      }
      if (!(n instanceof YNode.YList l)) {
        problems.add(new Problem(n.loc(), "'output_roots' must be a list of directories, e.g. output_roots: [/data/models]"));
        return;
      }
      for (YNode item : l.items()) {
        YNode v = interpolate(item, scope, null, problems);
        if (!(v instanceof YNode.YScalar vs) || vs.value() == null || vs.value() instanceof Boolean || vs.text().isBlank()) {
          problems.add(new Problem(item.loc(), "an entry of 'output_roots' must be a directory path, got '" + v.toPlain() + "'"));
          continue;
        }
        Path root;
        try {
          root = workingDir.resolve(vs.text()).normalize();
        } catch (java.nio.file.InvalidPathException e) {
          problems.add(new Problem(item.loc(), "output_roots entry '" + vs.text() + "' is not a valid path: " + e.getMessage()));
          continue;
        }
        String bad = RunLayout.outputRootProblem(runDir, root);
        if (bad != null) {
          problems.add(new Problem(item.loc(), "output_roots entry '" + vs.text() + "' " + bad));
        } else {
          outputRoots.add(root);
        }
      }
    }

    /** The keys only; the values are resolved once stage outputs are known (they may refer to them). */
    void checkDefaultKeys() {
      defaults.put("device", RecipeDefaults.DEVICE);
      defaults.put("seed", RecipeDefaults.SEED);
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
    }

    /** Ids, providers and output paths of every stage: what references to stage outputs need. */
    void readStageHeaders() {
      for (YNode item : stages.items()) {
        Header h = readHeader(item);
        if (h != null) {
          headers.put(h.id, h);
          readOutputPaths(h);
        }
      }
    }

    /** A stage's id and provider; null for a stage that cannot take part (no id, a duplicate id, not a mapping). */
    private Header readHeader(YNode item) {
      if (!(item instanceof YNode.YMap sm)) {
        problems.add(new Problem(item.loc(), "a stage is a mapping with 'id' and 'uses'"));
        return null;
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
        return null;
      }
      if (!ID.matcher(id).matches()) {
        problems.add(new Problem(sm.get("id").loc(), "stage id '" + id + "' may only hold letters, digits, '-', '_' and '.'"));
      }
      if (headers.containsKey(id)) {
        problems.add(new Problem(sm.get("id").loc(), "duplicate stage id '" + id + "' (first at " + headers.get(id).node.loc() + ")"));
        return null;
      }
      Stage<?> stage = null;
      if (uses == null) {
        problems.add(new Problem(sm.loc(), "stage '" + id + "' has no 'uses' (the stage provider id)"));
      } else {
        var pe = registry.find(Stage.class, uses);
        if (pe.isEmpty()) {
          problems.add(new Problem(sm.get("uses").loc(), "unknown stage '" + uses + "'"
              + BundledStages.hint(uses) + Suggest.hint(uses, registry.ids(Stage.class)) + binder.loadErrorNote()));
        } else {
          stage = (Stage<?>) pe.get().provider();
        }
      }
      return new Header(id, uses, stage, sm);
    }

    /** Each output's path in the run directory: as declared, else {@code <id>/<output>}. */
    private void readOutputPaths(Header h) {
      YNode.YMap sm = h.node;
      var declared = sm.get("outputs");
      if (declared != null && !(declared instanceof YNode.YMap)) {
        problems.add(new Problem(declared.loc(), "'outputs' must be a mapping of output name: path"));
      }
      if (h.stage == null) {
        return;
      }
      var ports = h.stage.outputs().stream().map(Port::name).toList();
      if (declared instanceof YNode.YMap om) {
        for (var e : om.values().entrySet()) {
          if (!ports.contains(e.getKey())) {
            problems.add(new Problem(om.keyLoc(e.getKey()), "stage '" + h.id + "' (" + h.uses + ") has no output '"
                + e.getKey() + "'" + Suggest.hint(e.getKey(), ports)));
          }
        }
      }
      for (String port : ports) {
        YNode v = declared instanceof YNode.YMap om ? om.get(port) : null;
        Object rel = v == null ? h.id + "/" + port : interpolate(v, scope, null, problems).toPlain();
        Location at = v != null ? v.loc() : sm.get("id").loc();
        Path p;
        try {
          p = runDir.resolve(rel == null ? "" : String.valueOf(rel)).normalize();
        } catch (java.nio.file.InvalidPathException e) {
          problems.add(new Problem(at, "output '" + port + "' of stage '" + h.id + "' is not a valid path: " + e.getMessage()));
          continue;
        }
        h.outputs.put(port, p);
        // the runner replaces whatever is at an output path, so a path that holds anything else is refused here
        String bad = RunLayout.outputProblem(runDir, outputRoots, p);
        if (bad != null) {
          problems.add(new Problem(at, "output '" + port + "' of stage '" + h.id + "' " + bad
              + (v == null ? "; set outputs." + port + " to another path" : "; choose another path, e.g. the default '"
                  + h.id + "/" + port + "'")));
        } else {
          outputs.add(new OutputAt(h.id, port, p, at));
        }
      }
    }

    void checkOutputOverlaps() {
      for (int j = 0; j < outputs.size(); j++) {
        for (int i = 0; i < j; i++) {
          var a = outputs.get(i);
          var b = outputs.get(j);
          if (b.path.startsWith(a.path) || a.path.startsWith(b.path)) {
            String how = a.path.equals(b.path) ? "is also" : a.path.startsWith(b.path) ? "contains" : "is inside";
            problems.add(new Problem(b.at, "output '" + b.port + "' of stage '" + b.stage + "' is " + b.path + ", which " + how
                + " output '" + a.port + "' of stage '" + a.stage + "' (" + a.path + "); each output needs a path of its own"));
          }
        }
      }
    }

    /** Makes {@code ${stages.<id>.outputs.<name>}} resolvable. */
    void publishStageOutputs() {
      for (var h : headers.values()) {
        h.outputs.forEach((k, p) -> scope.values.put("stages." + h.id + ".outputs." + k, p.toString()));
        scope.stageIds.add(h.id);
        scope.outputsByStage.put(h.id, List.copyOf(h.outputs.keySet()));
      }
    }

    /** The defaults' values, interpolated (they may use vars and stage outputs), then checked. */
    void resolveDefaults() {
      if (top.get("defaults") instanceof YNode.YMap dm) {
        for (var e : dm.values().entrySet()) {
          defaults.put(e.getKey(), interpolate(e.getValue(), scope, defaultDeps, problems).toPlain());
        }
      }
      checkDefaults(defaults, top.get("defaults"), problems);
      defaults.forEach((k, v) -> scope.values.put("defaults." + k, v));
    }

    /** Every stage's inputs, {@code after} and options, with the stages it depends on. */
    void resolveStages() {
      for (var h : headers.values()) {
        var deps = new LinkedHashSet<String>();
        var inputs = resolveInputs(h, deps);
        addAfter(h, deps);
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
    }

    private Map<String, ResolvedStage.Input> resolveInputs(Header h, Set<String> deps) {
      var inputs = new LinkedHashMap<String, ResolvedStage.Input>();
      YNode in = h.node.get("inputs");
      if (in != null && !(in instanceof YNode.YMap)) {
        problems.add(new Problem(in.loc(), "'inputs' must be a mapping of input name: path or ${stages.<id>.outputs.<name>}"));
      }
      if (h.stage == null) {
        return inputs;
      }
      var ports = h.stage.inputs().stream().map(Port::name).toList();
      if (in instanceof YNode.YMap im) {
        for (var e : im.values().entrySet()) {
          if (!ports.contains(e.getKey())) {
            problems.add(new Problem(im.keyLoc(e.getKey()), "stage '" + h.id + "' (" + h.uses + ") has no input '"
                + e.getKey() + "'" + Suggest.hint(e.getKey(), ports)));
          } else {
            resolveInput(h, e.getKey(), e.getValue(), deps, inputs);
          }
        }
      }
      for (Port port : h.stage.inputs()) {
        if (port.required() && !inputs.containsKey(port.name())
            && !(in instanceof YNode.YMap im && im.get(port.name()) != null)) {
          problems.add(new Problem(h.node.loc(), "stage '" + h.id + "' (" + h.uses + ") is missing required input '"
              + port.name() + "' (" + port.description() + ")"));
        }
      }
      return inputs;
    }

    /** One input: a path, or another stage's output (which makes this stage depend on that one). */
    private void resolveInput(Header h, String input, YNode value, Set<String> deps,
        Map<String, ResolvedStage.Input> inputs) {
      var refDeps = new LinkedHashSet<String>();
      int known = problems.size();
      YNode v = interpolate(value, scope, refDeps, problems);
      if (problems.size() > known) {
        return; // the reference is already reported; a missing-file error would only repeat it
      }
      deps.addAll(refDeps);
      if (v instanceof YNode.YScalar s && (s.value() == null || "".equals(s.value()))) {
        return; // an empty value leaves an optional input out (e.g. a carry value in round 1)
      }
      if (!(v instanceof YNode.YScalar s)) {
        problems.add(new Problem(value.loc(), "input '" + input + "' of stage '" + h.id + "' must be a path"));
        return;
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
        problems.add(new Problem(value.loc(), "input '" + input + "' of stage '" + h.id
            + "': file not found: " + p + " (paths are relative to the working directory " + workingDir + ")"));
      }
      if (h.id.equals(from)) {
        problems.add(new Problem(value.loc(), "input '" + input + "' of stage '" + h.id
            + "' is the stage's own output '" + fromOut + "'; a stage's outputs replace what was there, so it cannot read them"));
      } else if (from == null) {
        checkInputAgainstOutputs(h.id, input, p, refDeps, headers, outputs, problems);
      } else {
        checkSchema(h, input, headers.get(from), fromOut, value.loc());
      }
      inputs.put(input, new ResolvedStage.Input(p, from, fromOut));
    }

    /**
     * An input fed by another stage's output: when both ports declare dataset shapes, some shape the producer
     * writes must fit some shape the input accepts.
     */
    private void checkSchema(Header h, String input, Header producer, String output, Location at) {
      if (producer.stage == null) {
        return;
      }
      var accepted = h.stage.inputs().stream().filter(pt -> pt.name().equals(input)).findFirst().map(Port::schemas).orElse(List.of());
      var written = producer.stage.outputs().stream().filter(pt -> pt.name().equals(output)).findFirst().map(Port::schemas)
          .orElse(List.of());
      if (accepted.isEmpty() || written.isEmpty()) {
        return;
      }
      var why = new ArrayList<String>();
      for (var w : written) {
        for (var a : accepted) {
          String m = Schemas.mismatch(a, w);
          if (m == null) {
            return;
          }
          why.add(m);
        }
      }
      var distinct = List.copyOf(new LinkedHashSet<>(why));
      problems.add(new Problem(at, "input '" + input + "' of stage '" + h.id + "' (" + h.uses + ") cannot read output '"
          + output + "' of stage '" + producer.id + "' (" + producer.uses + "): " + (distinct.size() == 1 ? distinct.get(0)
              : "it fits none of the shapes the input accepts (" + String.join("; ", distinct) + ")")));
    }

    /** {@code after: [ids]}: dependencies that no reference expresses. */
    private void addAfter(Header h, Set<String> deps) {
      YNode after = h.node.get("after");
      if (after == null) {
        return;
      }
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

    /**
     * A default that names a stage output (defaults.tokenizer: ${stages.tok.outputs.tokenizer}) makes every
     * stage run after that producer, except the producer's own ancestors (they cannot be using it).
     */
    void orderAfterDefaultProducers() {
      if (defaultDeps.isEmpty()) {
        return;
      }
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

    /** The {@code metrics} sinks; without the key, every bundled sink that is installed. */
    void readMetricsSinks() {
      YNode mnode = top.get("metrics");
      if (mnode == null) {
        for (String id : List.of("csv", "jsonl", "tensorboard")) {
          if (registry.find(MetricsSinkProvider.class, id).isPresent()) {
            var ref = binder.bindComponent(MetricsSinkProvider.class, new YNode.YScalar(id, top.loc()),
                "metrics sink", problems);
            if (ref != null) {
              metrics.add(ref);
            }
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
    }

    /** The stages in dependency order (cycles are problems too); every problem found so far is thrown here. */
    ResolvedRecipe validated(String source) {
      var ordered = order(resolved, problems);
      if (!problems.isEmpty()) {
        throw new RecipeException(problems);
      }
      return new ResolvedRecipe(name, source, runDir, Map.copyOf(defaults), RecipeDefaults.of(defaults), ordered,
          List.copyOf(metrics),
          resolvedRecord(source, ordered), List.copyOf(outputRoots));
    }

    /** What {@code recipe.resolved.yaml} records. */
    private Map<String, Object> resolvedRecord(String source, List<ResolvedStage> ordered) {
      var record = new LinkedHashMap<String, Object>();
      record.put("name", name);
      record.put("source", source);
      record.put("run_dir", runDir.toString());
      if (!outputRoots.isEmpty()) {
        record.put("output_roots", outputRoots.stream().map(Path::toString).toList());
      }
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
      return record;
    }
  }

  private static void checkDefaults(Map<String, Object> d, YNode node, List<Problem> problems) {
    Location at = node == null ? Location.UNKNOWN : node.loc();
    Object dev = d.get("device");
    Location devAt = node instanceof YNode.YMap dm && dm.get("device") != null ? dm.get("device").loc() : at;
    if (dev != null && !String.valueOf(dev).matches("cpu|cuda(:\\d{1,3})?")) {
      problems.add(new Problem(devAt, "defaults.device must be cpu, cuda or cuda:<n>, got '" + dev + "'"));
    } else if (dev != null) {
      // a device this build or machine cannot use is refused here, not by the first stage that asks for it
      String why = org.align4j.core.engine.TorchDevice.unavailable(String.valueOf(dev));
      if (why != null) {
        problems.add(new Problem(devAt, "device '" + dev + "' cannot be used: " + why
            + "; or set defaults.device: cpu (--set defaults.device=cpu)"));
      }
    }
    for (String k : List.of("seed", "threads", "zero")) {
      Object v = d.get(k);
      if (v != null && !(v instanceof Long)) {
        problems.add(new Problem(at, "defaults." + k + " must be an integer, got '" + v + "'"));
      } else if (k.equals("threads") && v != null && ((Long) v < 1 || (Long) v > 4096)) {
        problems.add(new Problem(at, "defaults.threads must be in [1, 4096], got " + v));
      } else if (k.equals("zero") && v != null && (Long) v != 0 && (Long) v != 1) {
        problems.add(new Problem(at, "defaults.zero must be 0 (off) or 1 (ZeRO stage 1: each rank keeps AdamW's"
            + " moments for its slice of the parameters), got " + v + "; stages 2 and 3 are not built"));
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
