package org.align4j.core.recipe;

import java.util.ArrayList;
import java.util.List;

/** Applies {@code --set path=value} overrides to the recipe tree; a stage is named by its id (or position). */
final class SetOverrides {
  private SetOverrides() {}

  /** One override, the {@code index}-th on the command line (1-based), which is where its problems are reported. */
  static void apply(YNode.YMap top, String set, int index, List<Problem> problems) {
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
        if (i == 0 && !RecipeLoader.TOP_KEYS.contains(seg)) {
          problems.add(new Problem(at, "--set: unknown recipe key '" + seg + "'" + Suggest.hint(seg, RecipeLoader.TOP_KEYS)));
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
}
