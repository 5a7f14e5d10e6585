package org.align4j.plugins.data.transforms;

import java.util.Iterator;
import java.util.NoSuchElementException;

/** An iterator that computes its next element ahead: subclasses say what comes next, or null at the end. */
public abstract class Lookahead<T> implements Iterator<T> {
  private T next;

  /** The next element, or null when there is none (yet: it is asked again on the next {@link #hasNext}). */
  protected abstract T advance();

  @Override
  public final boolean hasNext() {
    if (next == null) {
      next = advance();
    }
    return next != null;
  }

  @Override
  public final T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    T r = next;
    next = null;
    return r;
  }
}
