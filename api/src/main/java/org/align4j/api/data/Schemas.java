package org.align4j.api.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The Arrow schemas stages exchange (DESIGN.md, "Arrow schemas"), as constants and builders.
 *
 * <ul>
 *   <li>{@link #CONVERSATIONS}: {@code messages: list<struct<role, content>>}, {@code system: utf8} (the
 *       system instruction that governs the conversation, when there is one; {@code messages} is what gets
 *       rendered and may hold it too as its first message), {@code tags: list<utf8>}.
 *   <li>{@link #PREFERENCES}: {@code prompt} (a conversation ending with the user turn), {@code chosen},
 *       {@code rejected}, {@code edited} (Llama 3 edited response, nullable), {@code rating} (one of
 *       {@link #RATINGS}), {@code domain} (helpfulness | safety), {@code safety_label} (one of
 *       {@link #SAFETY_LABELS}, nullable).
 *   <li>{@link #TOKENIZED}: {@code input_ids: list<int32>}, {@code loss_mask: list<int8>},
 *       {@code segment_ids: list<int32>} (packing: 1, 2, ... per document, 0 for padding; nullable).
 *   <li>{@link #SAMPLES}: {@code prompt}, {@code response}, {@code reward: float32},
 *       {@code sample_index: int32}, {@code policy}.
 *   <li>{@link #TEXT}: {@code text: utf8} (plain-text corpora).
 * </ul>
 *
 * A stage's {@link org.align4j.api.stage.Port} declares the schema it writes or reads; {@link #mismatch} is the
 * check the recipe validator applies. Inputs declare only the columns they need ({@link #PREFERENCE_PAIRS},
 * {@link #MESSAGES_ONLY}, {@link #PROMPT_ONLY}).
 *
 * Generated task rows add the {@link #TASK_FIELDS} ({@code domain, task, reference, check}); a program
 * reward reads them through the toolkit's {@code org.align4j.toolkit.data.Rows#metadata}. Every field is nullable; list items are named
 * {@code item} and message structs have fields {@code role, content}, as pyarrow writes them.
 */
public final class Schemas {
  private Schemas() {}

  public static final String MESSAGES = "messages";
  public static final String SYSTEM = "system";
  public static final String TAGS = "tags";
  public static final String ROLE = "role";
  public static final String CONTENT = "content";
  public static final String PROMPT = "prompt";
  public static final String CHOSEN = "chosen";
  public static final String REJECTED = "rejected";
  public static final String EDITED = "edited";
  public static final String RATING = "rating";
  public static final String DOMAIN = "domain";
  public static final String SAFETY_LABEL = "safety_label";
  public static final String INPUT_IDS = "input_ids";
  public static final String LOSS_MASK = "loss_mask";
  public static final String SEGMENT_IDS = "segment_ids";
  public static final String RESPONSE = "response";
  public static final String REWARD = "reward";
  public static final String SAMPLE_INDEX = "sample_index";
  public static final String POLICY = "policy";
  public static final String TEXT_COLUMN = "text";
  public static final String TASK = "task";
  public static final String REFERENCE = "reference";
  public static final String CHECK = "check";
  /** Preference rows of generated tasks: the domain of the task, and the true rewards of both responses. */
  public static final String TASK_DOMAIN = "task_domain";
  public static final String CHOSEN_REWARD = "chosen_reward";
  public static final String REJECTED_REWARD = "rejected_reward";

  /** Llama 2 rating levels, strongest first. */
  public static final List<String> RATINGS =
      List.of("significantly_better", "better", "slightly_better", "negligibly_better");

  /** Llama 2 safety labels of a safety preference pair. */
  public static final List<String> SAFETY_LABELS =
      List.of("chosen_safe_rejected_unsafe", "both_safe", "both_unsafe");

  public static final ArrowType UTF8 = ArrowType.Utf8.INSTANCE;
  public static final ArrowType INT8 = new ArrowType.Int(8, true);
  public static final ArrowType INT32 = new ArrowType.Int(32, true);
  public static final ArrowType INT64 = new ArrowType.Int(64, true);
  public static final ArrowType FLOAT32 = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
  public static final ArrowType FLOAT64 = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
  public static final ArrowType BOOL = ArrowType.Bool.INSTANCE;

  /** A nullable scalar field. */
  public static Field field(String name, ArrowType type) {
    return new Field(name, FieldType.nullable(type), null);
  }

  public static Field utf8(String name) {
    return field(name, UTF8);
  }

  /** A nullable {@code list<item>} field with item type {@code item}. */
  public static Field list(String name, ArrowType item) {
    return listOf(name, field("item", item));
  }

  /** A nullable list field whose item is {@code item} (renamed {@code item}). */
  public static Field listOf(String name, Field item) {
    Field named = new Field("item", item.getFieldType(), item.getChildren());
    return new Field(name, FieldType.nullable(ArrowType.List.INSTANCE), List.of(named));
  }

  /** A nullable struct field. */
  public static Field struct(String name, Field... children) {
    return new Field(name, FieldType.nullable(ArrowType.Struct.INSTANCE), List.of(children));
  }

  /** {@code list<struct<role: utf8, content: utf8>>}. */
  public static Field conversation(String name) {
    return listOf(name, struct("item", utf8(ROLE), utf8(CONTENT)));
  }

  public static final Field MESSAGES_FIELD = conversation(MESSAGES);

  /** Fields added by generated task rows: what a program reward needs to score a response. */
  public static final List<Field> TASK_FIELDS =
      List.of(utf8(DOMAIN), utf8(TASK), utf8(REFERENCE), utf8(CHECK));

  public static final Schema CONVERSATIONS =
      new Schema(List.of(MESSAGES_FIELD, utf8(SYSTEM), list(TAGS, UTF8)));

  public static final Schema PREFERENCES =
      new Schema(
          List.of(
              conversation(PROMPT),
              utf8(CHOSEN),
              utf8(REJECTED),
              utf8(EDITED),
              utf8(RATING),
              utf8(DOMAIN),
              utf8(SAFETY_LABEL)));

  public static final Schema TOKENIZED =
      new Schema(List.of(list(INPUT_IDS, INT32), list(LOSS_MASK, INT8), list(SEGMENT_IDS, INT32)));

  public static final Schema SAMPLES =
      new Schema(
          List.of(
              conversation(PROMPT),
              utf8(RESPONSE),
              field(REWARD, FLOAT32),
              field(SAMPLE_INDEX, INT32),
              utf8(POLICY)));

  public static final Schema TEXT = new Schema(List.of(utf8(TEXT_COLUMN)));

  /** What every reader of preference pairs needs (a stage input's schema): {@code prompt, chosen, rejected}. */
  public static final Schema PREFERENCE_PAIRS = new Schema(List.of(conversation(PROMPT), utf8(CHOSEN), utf8(REJECTED)));

  /** A conversation as an input reads it: a {@code messages} column. */
  public static final Schema MESSAGES_ONLY = new Schema(List.of(MESSAGES_FIELD));

  /** Prompts given as a conversation in a {@code prompt} column (samples and preference rows). */
  public static final Schema PROMPT_ONLY = new Schema(List.of(conversation(PROMPT)));

  /** {@code base} plus {@code extra} fields (a field already in {@code base} is kept once). */
  public static Schema extend(Schema base, List<Field> extra) {
    List<Field> fields = new ArrayList<>(base.getFields());
    for (Field f : extra) {
      if (fields.stream().noneMatch(g -> g.getName().equals(f.getName()))) {
        fields.add(f);
      }
    }
    return new Schema(fields, base.getCustomMetadata());
  }

  /** {@code schema} with custom metadata added. */
  public static Schema withMetadata(Schema schema, Map<String, String> metadata) {
    var md = new java.util.LinkedHashMap<String, String>();
    if (schema.getCustomMetadata() != null) {
      md.putAll(schema.getCustomMetadata());
    }
    md.putAll(metadata);
    return new Schema(schema.getFields(), md);
  }

  /**
   * Why a dataset written with {@code written} cannot be read where {@code required} is declared, or null when it
   * can: every required column must be present (extra columns are fine) with a compatible type. Compatible means
   * the same type, or one that widens without loss: a narrower integer of the same signedness, a narrower
   * floating point, {@code utf8} for {@code large_utf8} and back, {@code list} for {@code large_list} and back;
   * list items compare by type, struct children by name, recursively.
   */
  public static String mismatch(Schema required, Schema written) {
    for (Field need : required.getFields()) {
      Field have = named(written.getFields(), need.getName());
      if (have == null) {
        return "no column '" + need.getName() + "'";
      }
      String why = fieldMismatch(need, have);
      if (why != null) {
        return "column '" + need.getName() + "' " + why;
      }
    }
    return null;
  }

  private static String fieldMismatch(Field need, Field have) {
    ArrowType n = need.getType();
    ArrowType h = have.getType();
    if (!typeFits(n, h)) {
      return "is " + describe(have) + ", not " + describe(need);
    }
    if (n instanceof ArrowType.List || n instanceof ArrowType.LargeList) {
      String why = fieldMismatch(need.getChildren().get(0), have.getChildren().get(0));
      return why == null ? null : "(list item) " + why;
    }
    if (n instanceof ArrowType.Struct) {
      for (Field nc : need.getChildren()) {
        Field hc = named(have.getChildren(), nc.getName());
        if (hc == null) {
          return "has no struct field '" + nc.getName() + "'";
        }
        String why = fieldMismatch(nc, hc);
        if (why != null) {
          return "(struct field '" + nc.getName() + "') " + why;
        }
      }
    }
    return null;
  }

  private static Field named(List<Field> fields, String name) {
    return fields.stream().filter(f -> f.getName().equals(name)).findFirst().orElse(null);
  }

  private static boolean typeFits(ArrowType need, ArrowType have) {
    if (need.equals(have)) {
      return true;
    }
    if (need instanceof ArrowType.Int n && have instanceof ArrowType.Int h) {
      return n.getIsSigned() == h.getIsSigned() && h.getBitWidth() <= n.getBitWidth();
    }
    if (need instanceof ArrowType.FloatingPoint n && have instanceof ArrowType.FloatingPoint h) {
      return h.getPrecision().compareTo(n.getPrecision()) <= 0;
    }
    boolean text = need instanceof ArrowType.Utf8 || need instanceof ArrowType.LargeUtf8;
    boolean list = need instanceof ArrowType.List || need instanceof ArrowType.LargeList;
    return text && (have instanceof ArrowType.Utf8 || have instanceof ArrowType.LargeUtf8)
        || list && (have instanceof ArrowType.List || have instanceof ArrowType.LargeList);
  }

  /** A field's type as the conventions above write it: {@code list<struct<role: utf8, content: utf8>>}. */
  public static String describe(Field f) {
    ArrowType t = f.getType();
    if (t instanceof ArrowType.List || t instanceof ArrowType.LargeList) {
      return "list<" + describe(f.getChildren().get(0)) + ">";
    }
    if (t instanceof ArrowType.Struct) {
      var parts = new ArrayList<String>();
      for (Field c : f.getChildren()) {
        parts.add(c.getName() + ": " + describe(c));
      }
      return "struct<" + String.join(", ", parts) + ">";
    }
    if (t instanceof ArrowType.Int i) {
      return (i.getIsSigned() ? "int" : "uint") + i.getBitWidth();
    }
    if (t instanceof ArrowType.FloatingPoint fp) {
      return switch (fp.getPrecision()) {
        case HALF -> "float16";
        case SINGLE -> "float32";
        case DOUBLE -> "float64";
      };
    }
    if (t instanceof ArrowType.Utf8) {
      return "utf8";
    }
    if (t instanceof ArrowType.Bool) {
      return "bool";
    }
    return t.toString();
  }

  /** Whether {@code schema} has a column named {@code name}. */
  public static boolean has(Schema schema, String name) {
    return schema.getFields().stream().anyMatch(f -> f.getName().equals(name));
  }
}
