package org.align4j.plugins.data.transforms;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.align4j.api.Align4jException;

/**
 * Row filters written as expressions over columns, e.g.
 * {@code len(messages) >= 2 && messages[0].role == "user" && !contains(lower(source), "spam")}.
 *
 * <p>Syntax: {@code || && !} (or {@code or and not}), comparisons {@code == != < <= > >=}, arithmetic
 * {@code + -}, parentheses; literals: numbers, {@code "strings"} or {@code 'strings'}, {@code true false
 * null}; column paths with fields and indexes ({@code prompt[-1].content}); functions {@code len(x)}
 * (characters of a string, items of a list), {@code words(x)}, {@code lower(x)}, {@code upper(x)},
 * {@code contains(x, y)} (substring or list item), {@code startswith(x, y)}, {@code endswith(x, y)},
 * {@code matches(x, regex)}, {@code last(list)}. A parse error names the position; an unknown column
 * names the columns there are.
 */
public final class RowFilter implements Predicate<Map<String, ?>> {
  private final String source;
  private final Node root;

  private RowFilter(String source, Node root) {
    this.source = source;
    this.root = root;
  }

  public static RowFilter parse(String expression) {
    Parser p = new Parser(expression);
    Node n = p.or();
    p.skip();
    if (p.pos < expression.length()) {
      throw p.error("unexpected '" + expression.charAt(p.pos) + "'");
    }
    return new RowFilter(expression, n);
  }

  @Override
  public boolean test(Map<String, ?> row) {
    return truthy(root.eval(row));
  }

  /** Rows for which the expression is true. */
  public <R extends Map<String, ?>> Iterator<R> apply(Iterator<R> in) {
    return Dedup.filter(in, this::test);
  }

  @Override
  public String toString() {
    return source;
  }

  interface Node {
    Object eval(Map<String, ?> row);
  }

  static boolean truthy(Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Number n) {
      return n.doubleValue() != 0;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof List<?> l) {
      return !l.isEmpty();
    }
    return true;
  }

  static int compare(Object a, Object b, String op) {
    if (a instanceof Number x && b instanceof Number y) {
      return Double.compare(x.doubleValue(), y.doubleValue());
    }
    if (a instanceof String x && b instanceof String y) {
      return x.compareTo(y);
    }
    throw new Align4jException("filter: cannot compare " + kind(a) + " " + op + " " + kind(b));
  }

  static String kind(Object v) {
    return v == null ? "null" : v instanceof String ? "a string" : v instanceof Number ? "a number"
        : v instanceof List ? "a list" : v instanceof Map ? "an object" : v.getClass().getSimpleName();
  }

  static boolean equal(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return x.doubleValue() == y.doubleValue();
    }
    return Objects.equals(a, b);
  }

  private static final class Parser {
    final String s;
    int pos;

    Parser(String s) {
      this.s = s;
    }

    Align4jException error(String what) {
      return new Align4jException("filter expression '" + s + "': " + what + " at position " + (pos + 1));
    }

    void skip() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    boolean eat(String tok) {
      skip();
      if (s.startsWith(tok, pos)) {
        if (Character.isLetter(tok.charAt(0))) {
          int end = pos + tok.length();
          if (end < s.length() && (Character.isLetterOrDigit(s.charAt(end)) || s.charAt(end) == '_')) {
            return false;
          }
        }
        pos += tok.length();
        return true;
      }
      return false;
    }

    Node or() {
      Node l = and();
      while (eat("||") || eat("or")) {
        Node a = l;
        Node b = and();
        l = row -> truthy(a.eval(row)) || truthy(b.eval(row));
      }
      return l;
    }

    Node and() {
      Node l = not();
      while (eat("&&") || eat("and")) {
        Node a = l;
        Node b = not();
        l = row -> truthy(a.eval(row)) && truthy(b.eval(row));
      }
      return l;
    }

    Node not() {
      skip();
      if (s.startsWith("!=", pos)) {
        throw error("unexpected '!='");
      }
      if (eat("!") || eat("not")) {
        Node a = not();
        return row -> !truthy(a.eval(row));
      }
      return cmp();
    }

    Node cmp() {
      Node l = sum();
      for (String op : List.of("==", "!=", "<=", ">=", "<", ">")) {
        if (eat(op)) {
          Node a = l;
          Node b = sum();
          return switch (op) {
            case "==" -> row -> equal(a.eval(row), b.eval(row));
            case "!=" -> row -> !equal(a.eval(row), b.eval(row));
            case "<=" -> row -> compare(a.eval(row), b.eval(row), op) <= 0;
            case ">=" -> row -> compare(a.eval(row), b.eval(row), op) >= 0;
            case "<" -> row -> compare(a.eval(row), b.eval(row), op) < 0;
            default -> row -> compare(a.eval(row), b.eval(row), op) > 0;
          };
        }
      }
      return l;
    }

    Node sum() {
      Node l = atom();
      while (true) {
        skip();
        if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
          char op = s.charAt(pos++);
          Node a = l;
          Node b = atom();
          l = row -> {
            Object x = a.eval(row);
            Object y = b.eval(row);
            if (op == '+' && x instanceof String xs) {
              return xs + y;
            }
            if (!(x instanceof Number xn) || !(y instanceof Number yn)) {
              throw new Align4jException("filter: cannot compute " + kind(x) + " " + op + " " + kind(y));
            }
            return op == '+' ? xn.doubleValue() + yn.doubleValue() : xn.doubleValue() - yn.doubleValue();
          };
        } else {
          return l;
        }
      }
    }

    Node atom() {
      skip();
      if (pos >= s.length()) {
        throw error("expression ends early");
      }
      char c = s.charAt(pos);
      if (c == '(') {
        pos++;
        Node n = or();
        if (!eat(")")) {
          throw error("missing ')'");
        }
        return n;
      }
      if (c == '"' || c == '\'') {
        int end = s.indexOf(c, pos + 1);
        if (end < 0) {
          throw error("unterminated string");
        }
        String lit = s.substring(pos + 1, end);
        pos = end + 1;
        return row -> lit;
      }
      if (Character.isDigit(c) || (c == '-' && pos + 1 < s.length() && Character.isDigit(s.charAt(pos + 1)))) {
        int start = pos++;
        while (pos < s.length() && (Character.isDigit(s.charAt(pos)) || s.charAt(pos) == '.' || s.charAt(pos) == 'e')) {
          pos++;
        }
        double d = Double.parseDouble(s.substring(start, pos));
        return row -> d;
      }
      if (Character.isLetter(c) || c == '_') {
        int start = pos;
        while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
          pos++;
        }
        String name = s.substring(start, pos);
        switch (name) {
          case "true":
            return row -> true;
          case "false":
            return row -> false;
          case "null":
            return row -> null;
          default:
            break;
        }
        skip();
        if (pos < s.length() && s.charAt(pos) == '(') {
          pos++;
          List<Node> args = new ArrayList<>();
          if (!eat(")")) {
            do {
              args.add(or());
            } while (eat(","));
            if (!eat(")")) {
              throw error("missing ')' after the arguments of " + name);
            }
          }
          return function(name, args, start);
        }
        return path(name);
      }
      throw error("unexpected '" + c + "'");
    }

    Node path(String column) {
      List<Object> steps = new ArrayList<>();
      while (true) {
        if (pos < s.length() && s.charAt(pos) == '.') {
          pos++;
          int start = pos;
          while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
            pos++;
          }
          if (start == pos) {
            throw error("field name expected after '.'");
          }
          steps.add(s.substring(start, pos));
        } else if (pos < s.length() && s.charAt(pos) == '[') {
          pos++;
          int start = pos;
          while (pos < s.length() && s.charAt(pos) != ']') {
            pos++;
          }
          if (pos >= s.length()) {
            throw error("missing ']'");
          }
          try {
            steps.add(Integer.parseInt(s.substring(start, pos).strip()));
          } catch (NumberFormatException e) {
            throw error("an index must be an integer");
          }
          pos++;
        } else {
          break;
        }
      }
      return row -> {
        if (!row.containsKey(column)) {
          throw new Align4jException("filter '" + s + "': no column '" + column + "' (columns: " + row.keySet() + ")");
        }
        Object v = row.get(column);
        for (Object step : steps) {
          if (v == null) {
            return null;
          }
          if (step instanceof String f) {
            if (!(v instanceof Map<?, ?> m)) {
              throw new Align4jException("filter '" + s + "': '." + f + "' applied to " + kind(v));
            }
            v = m.get(f);
          } else {
            if (!(v instanceof List<?> l)) {
              throw new Align4jException("filter '" + s + "': an index applied to " + kind(v));
            }
            int i = (Integer) step;
            int k = i < 0 ? l.size() + i : i;
            v = k >= 0 && k < l.size() ? l.get(k) : null;
          }
        }
        return v;
      };
    }

    Node function(String name, List<Node> args, int at) {
      int arity = switch (name) {
        case "len", "words", "lower", "upper", "last" -> 1;
        case "contains", "startswith", "endswith", "matches" -> 2;
        default -> {
          pos = at;
          throw error("unknown function '" + name + "' (functions: len, words, lower, upper, last, contains,"
              + " startswith, endswith, matches)");
        }
      };
      if (args.size() != arity) {
        pos = at;
        throw error(name + " takes " + arity + " argument" + (arity == 1 ? "" : "s") + ", got " + args.size());
      }
      Node a = args.get(0);
      Node b = arity == 2 ? args.get(1) : null;
      Pattern[] cache = new Pattern[1];
      return row -> {
        Object x = a.eval(row);
        switch (name) {
          case "len":
            return x == null ? 0 : x instanceof String str ? str.codePointCount(0, str.length())
                : x instanceof List<?> l ? l.size() : x instanceof Map<?, ?> m ? m.size() : String.valueOf(x).length();
          case "words":
            return x == null ? 0 : (int) java.util.Arrays.stream(String.valueOf(x).strip().split("\\s+")).filter(w -> !w.isEmpty()).count();
          case "lower":
            return x == null ? null : String.valueOf(x).toLowerCase(Locale.ROOT);
          case "upper":
            return x == null ? null : String.valueOf(x).toUpperCase(Locale.ROOT);
          case "last":
            return x instanceof List<?> l && !l.isEmpty() ? l.get(l.size() - 1) : null;
          default:
            break;
        }
        Object y = b.eval(row);
        if (x == null) {
          return false;
        }
        switch (name) {
          case "contains":
            return x instanceof List<?> l ? l.stream().anyMatch(e -> equal(e, y)) : String.valueOf(x).contains(String.valueOf(y));
          case "startswith":
            return String.valueOf(x).startsWith(String.valueOf(y));
          case "endswith":
            return String.valueOf(x).endsWith(String.valueOf(y));
          default:
            if (cache[0] == null || !cache[0].pattern().equals(String.valueOf(y))) {
              cache[0] = Pattern.compile(String.valueOf(y));
            }
            return cache[0].matcher(String.valueOf(x)).find();
        }
      };
    }
  }
}
