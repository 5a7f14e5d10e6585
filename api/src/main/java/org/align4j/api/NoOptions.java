package org.align4j.api;

/** Options record for providers that take none. */
public record NoOptions() {}
