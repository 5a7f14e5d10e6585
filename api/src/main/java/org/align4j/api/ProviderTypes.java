package org.align4j.api;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/** Reads what a {@link Provider} declares on its class: {@link ProviderInfo} and the options type argument. */
final class ProviderTypes {
  private ProviderTypes() {}

  static ProviderInfo info(Class<?> providerClass) {
    ProviderInfo info = providerClass.getAnnotation(ProviderInfo.class);
    if (info == null) {
      throw new IllegalStateException(providerClass.getName()
          + " declares no id: annotate it with @ProviderInfo(id = ...) or override id()");
    }
    return info;
  }

  /** The options record named as the type argument of the SPI interface the class (or a superclass) implements. */
  @SuppressWarnings("unchecked")
  static <O extends Record> Class<O> optionsType(Class<?> providerClass) {
    for (Class<?> c = providerClass; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Type t : c.getGenericInterfaces()) {
        Class<?> found = recordArgument(t);
        if (found != null) {
          return (Class<O>) found;
        }
      }
      Class<?> found = recordArgument(c.getGenericSuperclass());
      if (found != null) {
        return (Class<O>) found;
      }
    }
    throw new IllegalStateException(providerClass.getName()
        + " names no options record as the type argument of its SPI interface: override optionsType()");
  }

  /** {@code X} of {@code Kind<X>} when Kind is a provider kind and X a record class; else null. */
  private static Class<?> recordArgument(Type t) {
    if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw
        && Provider.class.isAssignableFrom(raw) && p.getActualTypeArguments().length > 0
        && p.getActualTypeArguments()[0] instanceof Class<?> arg && Record.class.isAssignableFrom(arg)) {
      return arg;
    }
    return null;
  }
}
