package org.align4j.plugins.stages;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * The {@code calculator} tool: evaluates an arithmetic expression of decimal numbers, {@code + - * /}, unary minus
 * and parentheses, by a recursive-descent parser. Nothing is ever executed as code, so a model's call can do no
 * more than compute a number. Results are exact decimals, rounded to 12 significant digits after a division,
 * written without exponent or trailing zeros ({@code 903}, {@code 2.5}).
 */
final class Calculator {
  static final String NAME = "calculator";
  private static final int MAX_LENGTH = 200;
  private static final int MAX_DEPTH = 32;
  private static final MathContext DIVISION = new MathContext(12, RoundingMode.HALF_EVEN);

  private final String text;
  private int pos;
  private int depth;

  private Calculator(String text) {
    this.text = text;
  }

  /** The value of {@code expression}, or {@code error: <why>} (what the model sees as the tool's answer). */
  static String evaluate(String expression) {
    if (expression.length() > MAX_LENGTH) {
      return "error: expression longer than " + MAX_LENGTH + " characters";
    }
    try {
      Calculator c = new Calculator(expression);
      BigDecimal v = c.sum();
      c.skipSpaces();
      if (c.pos != c.text.length()) {
        throw new IllegalArgumentException("unexpected '" + c.text.charAt(c.pos) + "' at " + (c.pos + 1));
      }
      v = v.stripTrailingZeros();
      return (v.signum() == 0 ? BigDecimal.ZERO : v).toPlainString();
    } catch (IllegalArgumentException | ArithmeticException e) {
      return "error: " + e.getMessage();
    }
  }

  private BigDecimal sum() {
    BigDecimal v = product();
    while (true) {
      skipSpaces();
      if (eat('+')) {
        v = v.add(product());
      } else if (eat('-')) {
        v = v.subtract(product());
      } else {
        return v;
      }
    }
  }

  private BigDecimal product() {
    BigDecimal v = unary();
    while (true) {
      skipSpaces();
      if (eat('*')) {
        v = v.multiply(unary());
      } else if (eat('/')) {
        BigDecimal d = unary();
        if (d.signum() == 0) {
          throw new ArithmeticException("division by zero");
        }
        v = v.divide(d, DIVISION);
      } else {
        return v;
      }
    }
  }

  private BigDecimal unary() {
    skipSpaces();
    if (eat('-')) {
      return nested(() -> unary().negate());
    }
    if (eat('+')) {
      return nested(this::unary);
    }
    if (eat('(')) {
      BigDecimal v = nested(this::sum);
      skipSpaces();
      if (!eat(')')) {
        throw new IllegalArgumentException("missing ')' at " + (pos + 1));
      }
      return v;
    }
    return number();
  }

  private BigDecimal nested(java.util.function.Supplier<BigDecimal> inner) {
    if (++depth > MAX_DEPTH) {
      throw new IllegalArgumentException("expression nested deeper than " + MAX_DEPTH);
    }
    try {
      return inner.get();
    } finally {
      depth--;
    }
  }

  private BigDecimal number() {
    int start = pos;
    while (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
      pos++;
    }
    if (start == pos) {
      throw new IllegalArgumentException(pos < text.length()
          ? "expected a number at " + (pos + 1) + ", got '" + text.charAt(pos) + "'" : "expression ends early");
    }
    try {
      return new BigDecimal(text.substring(start, pos));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad number '" + text.substring(start, pos) + "'");
    }
  }

  private boolean eat(char c) {
    if (pos < text.length() && text.charAt(pos) == c) {
      pos++;
      return true;
    }
    return false;
  }

  private void skipSpaces() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }
}
