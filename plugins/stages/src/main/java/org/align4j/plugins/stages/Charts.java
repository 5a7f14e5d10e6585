package org.align4j.plugins.stages;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** Small PNG charts drawn with Java2D (headless), for the run report. */
final class Charts {
  static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
  private static final int W = 720;
  private static final int H = 360;
  private static final int L = 64;
  private static final int R = 16;
  private static final int T = 36;
  private static final int B = 48;

  private Charts() {}

  /** A line per series (x, y). */
  static byte[] lines(String title, String xLabel, String yLabel, Map<String, double[][]> series) throws IOException {
    double x0 = Double.MAX_VALUE;
    double x1 = -Double.MAX_VALUE;
    double y0 = Double.MAX_VALUE;
    double y1 = -Double.MAX_VALUE;
    for (double[][] s : series.values()) {
      for (int i = 0; i < s[0].length; i++) {
        if (!Double.isFinite(s[1][i])) {
          continue;
        }
        x0 = Math.min(x0, s[0][i]);
        x1 = Math.max(x1, s[0][i]);
        y0 = Math.min(y0, s[1][i]);
        y1 = Math.max(y1, s[1][i]);
      }
    }
    if (x0 > x1) {
      x0 = 0;
      x1 = 1;
      y0 = 0;
      y1 = 1;
    }
    if (x1 == x0) {
      x1 = x0 + 1;
    }
    double pad = (y1 - y0) * 0.05 + 1e-9;
    y0 -= pad;
    y1 += pad;
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = frame(img, title, xLabel, yLabel, x0, x1, y0, y1);
    int k = 0;
    for (var e : series.entrySet()) {
      g.setColor(PALETTE[k % PALETTE.length]);
      g.setStroke(new BasicStroke(1.6f));
      double[][] s = e.getValue();
      int px = -1;
      int py = -1;
      for (int i = 0; i < s[0].length; i++) {
        if (!Double.isFinite(s[1][i])) {
          continue;
        }
        int x = sx(s[0][i], x0, x1);
        int y = sy(s[1][i], y0, y1);
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        px = x;
        py = y;
      }
      g.fillRect(W - R - 170, T + 6 + 16 * k, 10, 10);
      g.setColor(Color.DARK_GRAY);
      g.drawString(e.getKey(), W - R - 155, T + 15 + 16 * k);
      k++;
    }
    return png(img, g);
  }

  /** Grouped bars with error bars: values[policy][group] = {mean, se}. */
  static byte[] bars(String title, String yLabel, List<String> groups, Map<String, double[][]> values) throws IOException {
    double y0 = 0;
    double y1 = 0;
    for (double[][] v : values.values()) {
      for (double[] ms : v) {
        if (ms != null) {
          y0 = Math.min(y0, ms[0] - ms[1]);
          y1 = Math.max(y1, ms[0] + ms[1]);
        }
      }
    }
    y1 = y1 == y0 ? y0 + 1 : y1 + (y1 - y0) * 0.08;
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = frame(img, title, "", yLabel, 0, 1, y0, y1);
    int plotW = W - L - R;
    int groupW = plotW / Math.max(1, groups.size());
    int nPol = values.size();
    int barW = Math.max(4, (groupW - 16) / Math.max(1, nPol));
    int p = 0;
    for (var e : values.entrySet()) {
      for (int gi = 0; gi < groups.size(); gi++) {
        double[] ms = e.getValue()[gi];
        if (ms == null) {
          continue;
        }
        int x = L + gi * groupW + 8 + p * barW;
        int yTop = sy(Math.max(ms[0], 0), y0, y1);
        int yBase = sy(Math.min(ms[0], 0), y0, y1);
        g.setColor(PALETTE[p % PALETTE.length]);
        g.fillRect(x, yTop, barW - 2, Math.max(1, yBase - yTop));
        g.setColor(Color.BLACK);
        int xm = x + (barW - 2) / 2;
        g.drawLine(xm, sy(ms[0] - ms[1], y0, y1), xm, sy(ms[0] + ms[1], y0, y1));
        g.drawLine(xm - 3, sy(ms[0] + ms[1], y0, y1), xm + 3, sy(ms[0] + ms[1], y0, y1));
        g.drawLine(xm - 3, sy(ms[0] - ms[1], y0, y1), xm + 3, sy(ms[0] - ms[1], y0, y1));
      }
      g.setColor(PALETTE[p % PALETTE.length]);
      g.fillRect(W - R - 170, T + 6 + 16 * p, 10, 10);
      g.setColor(Color.DARK_GRAY);
      g.drawString(e.getKey(), W - R - 155, T + 15 + 16 * p);
      p++;
    }
    g.setColor(Color.DARK_GRAY);
    for (int gi = 0; gi < groups.size(); gi++) {
      String name = groups.get(gi);
      int w = g.getFontMetrics().stringWidth(name);
      g.drawString(name, L + gi * groupW + groupW / 2 - w / 2, H - B + 16);
    }
    return png(img, g);
  }

  private static Graphics2D frame(BufferedImage img, String title, String xLabel, String yLabel, double x0, double x1,
      double y0, double y1) {
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.setColor(Color.BLACK);
    g.drawString(title, L, 22);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    g.setColor(new Color(0xdddddd));
    for (int i = 0; i <= 5; i++) {
      double y = y0 + (y1 - y0) * i / 5;
      int py = sy(y, y0, y1);
      g.drawLine(L, py, W - R, py);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format("%.3g", y), 6, py + 4);
      g.setColor(new Color(0xdddddd));
    }
    if (!xLabel.isEmpty()) {
      g.setColor(Color.DARK_GRAY);
      for (int i = 0; i <= 5; i++) {
        double x = x0 + (x1 - x0) * i / 5;
        g.drawString(String.format("%.0f", x), sx(x, x0, x1) - 8, H - B + 16);
      }
      g.drawString(xLabel, W / 2 - 20, H - 12);
    }
    g.setColor(Color.DARK_GRAY);
    g.drawString(yLabel, 6, T - 6);
    g.setColor(Color.GRAY);
    g.drawRect(L, T, W - L - R, H - T - B);
    return g;
  }

  private static int sx(double x, double x0, double x1) {
    return L + (int) Math.round((x - x0) / (x1 - x0) * (W - L - R));
  }

  private static int sy(double y, double y0, double y1) {
    return H - B - (int) Math.round((y - y0) / (y1 - y0) * (H - T - B));
  }

  private static byte[] png(BufferedImage img, Graphics2D g) throws IOException {
    g.dispose();
    var out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }
}
