package org.align4j.core;

import java.util.LinkedHashMap;
import java.util.Map;

/** Versions recorded in every run directory. */
public final class Versions {
  private Versions() {}

  public static String align4j() {
    String v = Versions.class.getPackage().getImplementationVersion();
    return v != null ? v : "0.1.0-SNAPSHOT";
  }

  public static Map<String, String> all() {
    var m = new LinkedHashMap<String, String>();
    m.put("align4j", align4j());
    m.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    m.put("pytorch", "2.10.0 (org.bytedeco:pytorch 2.10.0-1.5.13)");
    return m;
  }
}
