package org.align4j.core.recipe;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * Expands {@code repeat} blocks into their stages, one copy per value, before anything else reads the stage
 * list: the repeat variable and the {@code carry} values are substituted as text, and {@code next} gives each
 * carry value for the following round. Other {@code ${...}} references stay for the reference step.
 */
final class RepeatBlocks {
  private RepeatBlocks() {}

  /** The stage list with every repeat block (nested ones too) replaced by its copies. */
  static YNode.YList expand(YNode.YList items, List<Problem> problems) {
    var out = new YNode.YList(items.loc());
    for (YNode item : items.items()) {
      if (item instanceof YNode.YMap m && m.get("repeat") != null) {
        for (String k : m.values().keySet()) {
          if (!RecipeLoader.REPEAT_KEYS.contains(k)) {
            problems.add(new Problem(m.keyLoc(k), "unknown key '" + k + "' in a repeat block" + Suggest.hint(k, RecipeLoader.REPEAT_KEYS)));
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
        Matcher mm = RecipeLoader.REF.matcher(cur);
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
}
