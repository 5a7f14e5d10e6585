package org.align4j.core.recipe;

import java.util.List;
import java.util.stream.Collectors;
import org.align4j.api.Align4jException;

/** Every problem found in a recipe, reported at once. */
public class RecipeException extends Align4jException {
  private static final long serialVersionUID = 1L;
  private final transient List<Problem> problems;

  public RecipeException(List<Problem> problems) {
    super(problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + " in recipe:\n"
        + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }
}
