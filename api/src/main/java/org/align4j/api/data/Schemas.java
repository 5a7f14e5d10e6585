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

  /** Whether {@code schema} has a column named {@code name}. */
  public static boolean has(Schema schema, String name) {
    return schema.getFields().stream().anyMatch(f -> f.getName().equals(name));
  }
}
