package org.align4j.core.recipe;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.align4j.api.ComponentKind;
import org.align4j.api.ComponentRef;
import org.align4j.api.Default;
import org.align4j.api.Flat;
import org.align4j.api.Provider;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.plugin.ProviderEntry;
import org.align4j.core.plugin.ProviderKinds;

/**
 * Binds a recipe block to a provider's options record. Keys may be snake_case or camelCase; unknown keys,
 * type errors, missing required values and the record's own checks become {@link Problem}s at the
 * offending location. Nested {@link ComponentRef}s are checked against their kind recursively.
 *
 * <p>A component whose type is itself a record (a stage's {@code optimizer:} block) is bound the same way, key by key:
 * its keys are named {@code optimizer.lr} in messages and suggestions, and its value is built in three layers, the
 * nested record's own {@code @Default}s, then the keys of the {@code @Default} block on the component (a stage's paper
 * settings, which may name only some keys), then the keys the recipe gives. So {@code optimizer: {lr: 3e-5}} keeps
 * the stage's schedule.
 *
 * <p>A nested record marked {@link Flat} (a stage's {@code TrainingLoopOptions}) is bound the same way, from the
 * enclosing block's own keys: {@code epochs:} and {@code log_every:} stand directly under {@code options:} and are
 * named so in messages, and its range checks are reported at the block, as the stage record's own are.
 */
public final class OptionsBinder {
  static final ObjectMapper MAPPER = JsonMapper.builder()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
      .configure(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY, true)
      .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
      .configure(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS, true)
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .build();

  private final PluginRegistry registry;

  public OptionsBinder(PluginRegistry registry) {
    this.registry = registry;
  }

  /** Binds plain values (the embedding API) with no file locations. */
  public <O extends Record> O bindPlain(Class<O> type, Map<String, ?> values, String what) {
    YNode.YMap m = (YNode.YMap) fromPlain(values == null ? Map.of() : values, new Location(what, 0, 0));
    var problems = new ArrayList<Problem>();
    O o = bind(type, m, what, problems);
    if (!problems.isEmpty()) {
      throw new RecipeException(problems);
    }
    return o;
  }

  /**
   * @param node the options block (a map; null when absent)
   * @param what how to name the block in messages ("stage 'sft' (sft)")
   * @return the record, or null when there were problems (they are added to {@code problems})
   */
  public <O extends Record> O bind(Class<O> type, YNode node, String what, List<Problem> problems) {
    return bind(type, node, what, "", problems);
  }

  /** @param prefix how this block's keys are named in messages: "" at the top, "optimizer." inside a nested record */
  private <O extends Record> O bind(Class<O> type, YNode node, String what, String prefix, List<Problem> problems) {
    Location blockLoc = node == null ? Location.UNKNOWN : node.loc();
    YNode.YMap map;
    if (node == null || (node instanceof YNode.YScalar s && s.value() == null)) {
      map = new YNode.YMap(blockLoc);
    } else if (node instanceof YNode.YMap m) {
      map = m;
    } else {
      problems.add(new Problem(blockLoc, what + ": options must be a mapping of key: value"));
      return null;
    }
    RecordComponent[] comps = type.getRecordComponents();
    Map<String, RecordComponent> byName = keys(type);
    int before = problems.size();
    var given = new LinkedHashMap<String, YNode>();
    var flatGiven = new LinkedHashMap<RecordComponent, YNode.YMap>(); // a @Flat component's keys, as written here
    for (var e : map.values().entrySet()) {
      String key = snake(e.getKey());
      if (!byName.containsKey(key)) {
        problems.add(new Problem(map.keyLoc(e.getKey()), "unknown option '" + prefix + e.getKey() + "' for " + what
            + unknownKeyHint(e.getKey(), byName, prefix)));
        continue;
      }
      RecordComponent flat = flatOwner(comps, key);
      if (flat == null) {
        given.put(key, e.getValue());
      } else {
        flatGiven.computeIfAbsent(flat, f -> new YNode.YMap(blockLoc)).put(e.getKey(), map.keyLoc(e.getKey()),
            e.getValue());
      }
    }
    Object[] args = new Object[comps.length];
    for (int i = 0; i < comps.length; i++) {
      RecordComponent c = comps[i];
      String key = snake(c.getName());
      YNode v = given.get(key);
      Location at = v != null ? v.loc() : blockLoc;
      Default d = c.getAnnotation(Default.class);
      YNode def = d == null ? null
          : YamlTree.parseValue(d.value(), new Location("@Default of " + type.getSimpleName() + "." + c.getName(), 0, 0));
      if (isFlat(c)) {
        args[i] = bindNested(c, flatGiven.get(c), def, what, key, prefix, blockLoc, problems);
        continue;
      }
      if (isNestedRecord(c.getType())) {
        args[i] = bindNested(c, v, def, what, prefix + key, prefix + key + ".", blockLoc, problems);
        continue;
      }
      if (v == null) {
        v = def;
      }
      if (v == null || (v instanceof YNode.YScalar s && s.value() == null)) {
        if (c.getType().isPrimitive()) {
          problems.add(new Problem(blockLoc, what + ": missing required option '" + prefix + key + "'"));
        }
        args[i] = null;
        continue;
      }
      args[i] = convert(c, v, what + " option '" + prefix + key + "'", at, problems);
    }
    if (problems.size() > before) {
      return null;
    }
    try {
      Class<?>[] types = new Class<?>[comps.length];
      for (int i = 0; i < comps.length; i++) {
        types[i] = comps[i].getType();
      }
      Constructor<O> ctor = type.getDeclaredConstructor(types);
      ctor.setAccessible(true);
      return ctor.newInstance(args);
    } catch (InvocationTargetException e) {
      Throwable t = e.getCause();
      String block = prefix.isEmpty() ? what : what + " option '" + prefix.substring(0, prefix.length() - 1) + "'";
      problems.add(new Problem(blockLoc, block + ": " + (t.getMessage() != null ? t.getMessage() : t.toString())));
      return null;
    } catch (ReflectiveOperationException e) {
      problems.add(new Problem(blockLoc, what + ": cannot construct " + type.getName() + ": " + e));
      return null;
    }
  }

  /**
   * The keys a block of {@code type} accepts, each with the component that reads it: the record's own components and,
   * for a {@link Flat} one, the keys of its record (recursively), which the block names without a prefix.
   */
  static Map<String, RecordComponent> keys(Class<?> type) {
    var out = new LinkedHashMap<String, RecordComponent>();
    for (RecordComponent c : type.getRecordComponents()) {
      if (isFlat(c)) {
        keys(c.getType()).forEach(out::putIfAbsent);
      } else {
        out.putIfAbsent(snake(c.getName()), c);
      }
    }
    return out;
  }

  /** The {@link Flat} component among {@code comps} that reads {@code key}, or null when the key is a plain one. */
  private static RecordComponent flatOwner(RecordComponent[] comps, String key) {
    for (RecordComponent c : comps) {
      if (!isFlat(c) && snake(c.getName()).equals(key)) {
        return null;
      }
    }
    for (RecordComponent c : comps) {
      if (isFlat(c) && keys(c.getType()).containsKey(key)) {
        return c;
      }
    }
    return null;
  }

  /** A nested options record bound from the enclosing block's own keys. */
  static boolean isFlat(RecordComponent c) {
    return c.isAnnotationPresent(Flat.class) && isNestedRecord(c.getType());
  }

  /**
   * "Did you mean" for an unknown key: the nearest key of this block, prefixed as the messages name them; a key that
   * belongs inside a nested record ({@code lr} of a stage whose {@code lr} is in {@code optimizer}) names where it goes.
   */
  private static String unknownKeyHint(String given, Map<String, RecordComponent> byName, String prefix) {
    String key = snake(given);
    var inNested = new LinkedHashMap<String, String>(); // inner key -> nested component
    for (var e : byName.entrySet()) {
      if (isNestedRecord(e.getValue().getType())) {
        for (RecordComponent inner : e.getValue().getType().getRecordComponents()) {
          inNested.putIfAbsent(snake(inner.getName()), e.getKey());
        }
      }
    }
    if (inNested.containsKey(key)) {
      String nested = inNested.get(key);
      return "; did you mean '" + prefix + nested + "." + key + "'? (" + nested + ": {" + key + ": ...})";
    }
    Optional<String> near = Suggest.nearest(given, byName.keySet());
    if (near.isPresent()) {
      return "; did you mean '" + prefix + near.get() + "'?";
    }
    return Suggest.nearest(given, inNested.keySet())
        .map(k -> "; did you mean '" + prefix + inNested.get(k) + "." + k + "'?")
        .orElseGet(() -> Suggest.hint(given, byName.keySet()));
  }

  private static boolean isNestedRecord(Class<?> t) {
    return t.isRecord() && t != ComponentRef.class;
  }

  /**
   * A nested record: the recipe's keys over the component's {@code @Default} block, bound with the record's own
   * defaults for the rest. An absent or null value takes the defaults alone.
   *
   * @param key the component as messages name it ({@code optimizer})
   * @param innerPrefix how its keys are named: {@code optimizer.}, or the enclosing block's prefix for a {@link Flat}
   *     one
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private Object bindNested(RecordComponent c, YNode given, YNode def, String what, String key, String innerPrefix,
      Location blockLoc, List<Problem> problems) {
    Location at = given != null ? given.loc() : blockLoc;
    var merged = new YNode.YMap(at);
    for (YNode layer : new YNode[] {def, given}) {
      if (layer == null || layer instanceof YNode.YScalar s && s.value() == null) {
        continue;
      }
      if (!(layer instanceof YNode.YMap m)) {
        problems.add(new Problem(layer.loc(), what + " option '" + key + "': expected a mapping of key: value, got "
            + brief(layer)));
        return null;
      }
      for (var e : m.values().entrySet()) {
        String k = snake(e.getKey());
        merged.remove(k);
        merged.put(k, m.keyLoc(e.getKey()), e.getValue());
      }
    }
    return bind((Class) c.getType(), merged, what, innerPrefix, problems);
  }

  private Object convert(RecordComponent c, YNode v, String what, Location at, List<Problem> problems) {
    if (c.getType() == ComponentRef.class) {
      ComponentKind kind = c.getAnnotation(ComponentKind.class);
      return bindComponent(kind == null ? null : kind.value(), v, what, problems);
    }
    Class<?> t = c.getType();
    Object plain = v.toPlain();
    if (plain instanceof Double d && (t == int.class || t == Integer.class || t == long.class || t == Long.class)) {
      boolean isInt = t == int.class || t == Integer.class;
      // Jackson would truncate 2.5 to 2; a fractional or out-of-range number is an error, 3.0 is 3
      if (Double.isNaN(d) || Double.isInfinite(d) || d != Math.rint(d)
          || (isInt ? d < Integer.MIN_VALUE || d > Integer.MAX_VALUE : d < Long.MIN_VALUE || d >= 0x1p63)) {
        problems.add(new Problem(at, what + ": expected " + describe(c) + (isInt ? " (32-bit)" : "") + ", got " + brief(v)));
        return null;
      }
      plain = isInt ? (Object) (int) (double) d : (Object) (long) (double) d;
    }
    if ((t == double.class || t == Double.class || t == float.class || t == Float.class) && plain instanceof Number num) {
      double d = num.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d) || ((t == float.class || t == Float.class) && Float.isInfinite((float) d))) {
        problems.add(new Problem(at, what + ": expected a finite number, got " + brief(v)));
        return null;
      }
    }
    try {
      JavaType jt = MAPPER.getTypeFactory().constructType(c.getGenericType());
      return MAPPER.convertValue(plain, jt);
    } catch (IllegalArgumentException e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage().split("\n")[0];
      msg = msg.replaceAll(" \\(through reference chain.*", "");
      problems.add(new Problem(at, what + ": expected " + describe(c) + ", got " + brief(v) + " (" + msg + ")"));
      return null;
    }
  }

  /**
   * Checks a nested {@code {uses: id, ...options}} block and returns it as a ComponentRef that carries its options
   * bound to the provider's record, so they are never bound again (and their errors point here, at the block).
   *
   * @param kind the provider kind, or null when the option does not declare one (the id and options are then
   *     kept as written and bound when the reference is resolved)
   * @return the reference, or null when there were problems (they are added to {@code problems})
   */
  public ComponentRef bindComponent(Class<?> kind, YNode v, String what, List<Problem> problems) {
    String uses;
    YNode.YMap opts = new YNode.YMap(v.loc());
    Location usesLoc = v.loc();
    if (v instanceof YNode.YScalar s && s.value() instanceof String str) {
      uses = str;
    } else if (v instanceof YNode.YMap m && m.get("uses") instanceof YNode.YScalar s && s.value() != null) {
      uses = s.text();
      usesLoc = s.loc();
      for (var e : m.values().entrySet()) {
        if (!e.getKey().equals("uses")) {
          opts.put(e.getKey(), m.keyLoc(e.getKey()), e.getValue());
        }
      }
    } else {
      problems.add(new Problem(v.loc(), what + ": expected an id or {uses: <id>, ...options}"));
      return null;
    }
    Record bound = null;
    if (kind != null) {
      Optional<ProviderEntry> pe = registry.find(kind, uses);
      if (pe.isEmpty()) {
        problems.add(new Problem(usesLoc, what + ": unknown " + ProviderKinds.name(kind) + " '" + uses + "'"
            + Suggest.hint(uses, registry.ids(kind)) + loadErrorNote()));
        return null;
      }
      bound = bind(pe.get().provider().optionsType(), opts, ProviderKinds.name(kind) + " '" + uses + "'", problems);
      if (bound == null) {
        return null;
      }
    }
    return new ComponentRef(uses, opts.plainValues(), bound);
  }

  /**
   * The options of {@code ref} for {@code provider}: the record bound at recipe validation, or, for a reference
   * made in code (it has none), its plain options bound now.
   */
  public <O extends Record> O optionsOf(Provider<O> provider, ComponentRef ref, String what) {
    Class<O> type = provider.optionsType();
    if (type.isInstance(ref.boundOptions())) {
      return type.cast(ref.boundOptions());
    }
    return bindPlain(type, ref.options(), what);
  }

  /** When a plugin failed to load, unknown-id messages mention it: it may be why. */
  public String loadErrorNote() {
    if (registry.loadErrors().isEmpty()) {
      return "";
    }
    return " (note: " + registry.loadErrors().size() + " plugin(s) failed to load: " + registry.loadErrors().get(0) + ")";
  }

  private static String describe(RecordComponent c) {
    Class<?> t = c.getType();
    if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
      return "an integer";
    }
    if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
      return "a number";
    }
    if (t == boolean.class || t == Boolean.class) {
      return "true or false";
    }
    if (t.isEnum()) {
      var names = new ArrayList<String>();
      for (Object o : t.getEnumConstants()) {
        names.add(o.toString().toLowerCase());
      }
      return "one of " + names;
    }
    if (List.class.isAssignableFrom(t)) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(t) || t.isRecord()) {
      return "a mapping";
    }
    return t.getSimpleName();
  }

  private static String brief(YNode v) {
    Object p = v.toPlain();
    String s = p instanceof String ? "'" + p + "'" : String.valueOf(p);
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }

  /** camelCase -> snake_case; snake_case unchanged. */
  public static String snake(String name) {
    var sb = new StringBuilder();
    for (char ch : name.toCharArray()) {
      if (Character.isUpperCase(ch)) {
        sb.append('_').append(Character.toLowerCase(ch));
      } else {
        sb.append(ch == '-' ? '_' : ch);
      }
    }
    return sb.toString();
  }

  /** Plain Java values as a located tree (for the embedding API and defaults). */
  public static YNode fromPlain(Object o, Location loc) {
    if (o instanceof Map<?, ?> m) {
      var out = new YNode.YMap(loc);
      m.forEach((k, v) -> out.put(String.valueOf(k), loc, fromPlain(v, loc)));
      return out;
    }
    if (o instanceof List<?> l) {
      var out = new YNode.YList(loc);
      l.forEach(i -> out.items.add(fromPlain(i, loc)));
      return out;
    }
    if (o instanceof Integer i) {
      return new YNode.YScalar(i.longValue(), loc);
    }
    if (o instanceof Float f) {
      return new YNode.YScalar(f.doubleValue(), loc);
    }
    return new YNode.YScalar(o instanceof java.nio.file.Path p ? p.toString() : o, loc);
  }
}
