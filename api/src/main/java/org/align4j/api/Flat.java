package org.align4j.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an options record component whose type is itself an options record (say
 * {@link org.align4j.api.engine.TrainingLoopOptions}) as bound from the keys of the enclosing block: a stage declaring
 * {@code @Flat TrainingLoopOptions loop} reads {@code epochs:}, {@code steps:}, {@code log_every:} ... directly under
 * its {@code options:}, not under a {@code loop:} key. Unknown keys, "did you mean", locations and the record's own
 * checks work as for the block's other keys, and {@code align4j plugins} lists the keys as the stage's own.
 *
 * <p>A {@link Default} on the component is a block that may name only some keys ({@code @Default("{epochs: 2,
 * checkpoint_every: 25}")}): the stage's defaults over the nested record's, as for an {@code optimizer:} block.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD})
public @interface Flat {}
