package org.align4j.core.recipe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A YAML tree that remembers the location of every node, so errors point at file:line:column. */
public sealed interface YNode permits YNode.YMap, YNode.YList, YNode.YScalar {
  Location loc();

  /** The tree as plain Java values (LinkedHashMap, ArrayList, String/Long/Double/Boolean/null). */
  Object toPlain();

  YNode copy();

  /** A mapping; keys keep their own locations. */
  final class YMap implements YNode {
    private final Location loc;
    final LinkedHashMap<String, YNode> values = new LinkedHashMap<>();
    final LinkedHashMap<String, Location> keyLocs = new LinkedHashMap<>();

    public YMap(Location loc) {
      this.loc = loc;
    }

    @Override
    public Location loc() {
      return loc;
    }

    public Map<String, YNode> values() {
      return values;
    }

    public YNode get(String key) {
      return values.get(key);
    }

    public Location keyLoc(String key) {
      return keyLocs.getOrDefault(key, loc);
    }

    public void put(String key, Location keyLoc, YNode value) {
      values.put(key, value);
      keyLocs.put(key, keyLoc);
    }

    public void remove(String key) {
      values.remove(key);
      keyLocs.remove(key);
    }

    @Override
    public Object toPlain() {
      return plainValues();
    }

    /** {@link #toPlain()} typed as what it is for a mapping. */
    public Map<String, Object> plainValues() {
      var out = new LinkedHashMap<String, Object>();
      values.forEach((k, v) -> out.put(k, v.toPlain()));
      return out;
    }

    @Override
    public YMap copy() {
      var m = new YMap(loc);
      values.forEach((k, v) -> m.put(k, keyLocs.get(k), v.copy()));
      return m;
    }
  }

  /** A sequence. */
  final class YList implements YNode {
    private final Location loc;
    final List<YNode> items = new ArrayList<>();

    public YList(Location loc) {
      this.loc = loc;
    }

    @Override
    public Location loc() {
      return loc;
    }

    public List<YNode> items() {
      return items;
    }

    @Override
    public Object toPlain() {
      return new ArrayList<>(items.stream().map(YNode::toPlain).toList());
    }

    @Override
    public YList copy() {
      var l = new YList(loc);
      items.forEach(i -> l.items.add(i.copy()));
      return l;
    }
  }

  /** A scalar: String, Long, Double, Boolean or null. */
  record YScalar(Object value, Location loc) implements YNode {
    @Override
    public Object toPlain() {
      return value;
    }

    @Override
    public YScalar copy() {
      return this;
    }

    public String text() {
      return value == null ? null : String.valueOf(value);
    }
  }
}
