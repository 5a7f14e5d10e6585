package org.align4j.toolkit.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.align4j.api.Align4jException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Reads the batches of one or more readers (the files of a dataset directory, in order) as one stream,
 * decoding top-level dictionary-encoded columns. Buffers are transferred, not copied. Only one
 * underlying reader is open at a time; {@code onClose} (e.g. the allocator) is closed after it.
 */
public final class BatchSequenceReader extends ArrowReader {
  /** Opens one file's reader in the given allocator. */
  public interface Opener {
    ArrowReader open(Path file, BufferAllocator allocator) throws IOException;
  }

  private final List<Path> files;
  private final Opener opener;
  private final BufferAllocator ownAllocator;
  private Iterator<Path> pending;
  private ArrowReader current;
  private Path currentFile;
  private long bytes;

  private final AutoCloseable onClose;

  public BatchSequenceReader(BufferAllocator allocator, List<Path> files, Opener opener, AutoCloseable onClose)
      throws IOException {
    super(allocator);
    this.onClose = onClose;
    this.ownAllocator = allocator;
    this.files = files;
    this.opener = opener;
    this.pending = files.iterator();
    advance();
  }

  private boolean advance() throws IOException {
    if (current != null) {
      current.close();
      current = null;
    }
    if (!pending.hasNext()) {
      return false;
    }
    currentFile = pending.next();
    current = opener.open(currentFile, ownAllocator);
    return true;
  }

  private static void checkNoNestedDictionary(Field f, Path file) {
    for (Field c : f.getChildren()) {
      if (c.getDictionary() != null) {
        throw new Align4jException(
            file + ": column '" + f.getName() + "' has a dictionary-encoded child '" + c.getName()
                + "'; only top-level dictionary columns are supported. Re-write the file without dictionary"
                + " encoding (e.g. pyarrow: table.cast(plain_schema)) or with `align4j data convert`.");
      }
      checkNoNestedDictionary(c, file);
    }
  }

  private Schema actualSchema;

  @Override
  protected Schema readSchema() throws IOException {
    if (actualSchema != null) {
      return actualSchema;
    }
    if (current == null) {
      actualSchema = new Schema(List.of());
      return actualSchema;
    }
    // Resolve dictionary value types from the reader's dictionaries.
    List<Field> out = new ArrayList<>();
    Schema raw = current.getVectorSchemaRoot().getSchema();
    for (Field f : raw.getFields()) {
      if (f.getDictionary() != null) {
        Dictionary d = current.getDictionaryVectors().get(f.getDictionary().getId());
        if (d == null) {
          throw new Align4jException(currentFile + ": column '" + f.getName() + "' refers to dictionary "
              + f.getDictionary().getId() + " which the file does not contain");
        }
        Field vf = d.getVector().getField();
        out.add(new Field(f.getName(), new org.apache.arrow.vector.types.pojo.FieldType(f.isNullable(), vf.getType(), null, f.getMetadata()), vf.getChildren()));
      } else {
        checkNoNestedDictionary(f, currentFile);
        out.add(f);
      }
    }
    actualSchema = new Schema(out, raw.getCustomMetadata());
    return actualSchema;
  }

  @Override
  public boolean loadNextBatch() throws IOException {
    VectorSchemaRoot root = getVectorSchemaRoot();
    while (current != null) {
      if (current.loadNextBatch()) {
        VectorSchemaRoot in = current.getVectorSchemaRoot();
        if (in.getFieldVectors().size() != root.getFieldVectors().size()) {
          throw new Align4jException(currentFile + ": its schema " + in.getSchema()
              + " differs from the first file's " + root.getSchema() + "; a dataset directory must hold one schema");
        }
        for (int i = 0; i < root.getFieldVectors().size(); i++) {
          FieldVector src = in.getVector(i);
          FieldVector dst = root.getVector(i);
          Field f = src.getField();
          if (f.getDictionary() != null) {
            Dictionary d = current.lookup(f.getDictionary().getId());
            try (var decodedVec = (FieldVector) DictionaryEncoder.decode(src, d)) {
              decodedVec.makeTransferPair(dst).transfer();
            }
          } else {
            src.makeTransferPair(dst).transfer();
          }
          bytes += dst.getBufferSize();
        }
        root.setRowCount(in.getRowCount());
        return true;
      }
      if (!advance()) {
        break;
      }
      Schema next = decodedTypes(current);
      if (!sameColumns(next, readSchema())) {
        throw new Align4jException(currentFile + ": its schema " + next + " differs from " + files.get(0)
            + "'s " + readSchema() + "; a dataset directory must hold one schema");
      }
    }
    root.setRowCount(0);
    return false;
  }

  private static Schema decodedTypes(ArrowReader r) throws IOException {
    return r.getVectorSchemaRoot().getSchema();
  }

  private static boolean sameColumns(Schema a, Schema b) {
    if (a.getFields().size() != b.getFields().size()) {
      return false;
    }
    for (int i = 0; i < a.getFields().size(); i++) {
      if (!a.getFields().get(i).getName().equals(b.getFields().get(i).getName())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public long bytesRead() {
    return bytes;
  }

  @Override
  protected void closeReadSource() throws IOException {
    try {
      ArrowReader c = current;
      current = null;
      AutoCloseables.close(c, onClose);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }
}
