package dev.tempura.topology;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of every virtual namespace. Each write bumps {@link #version()} by one, so
 * stores can refuse a write made from a stale snapshot.
 */
public record Topology(long version, Map<String, VirtualNamespace> virtualNamespaces) {

  public static final Topology EMPTY = new Topology(0, Map.of());

  public Topology {
    if (version < 0) {
      throw new IllegalArgumentException("version: " + version + " (expected: >= 0)");
    }
    // keep insertion order so listings are stable
    virtualNamespaces =
        java.util.Collections.unmodifiableMap(
            new LinkedHashMap<>(requireNonNull(virtualNamespaces, "virtualNamespaces")));
  }

  public Optional<VirtualNamespace> virtualNamespace(String name) {
    return Optional.ofNullable(virtualNamespaces.get(name));
  }

  /** The next version of this topology with {@code vns} added or replaced. */
  public Topology with(VirtualNamespace vns) {
    Map<String, VirtualNamespace> next = new LinkedHashMap<>(virtualNamespaces);
    next.put(vns.name(), vns);
    return new Topology(version + 1, next);
  }

  /** The next version of this topology without the named virtual namespace. */
  public Topology without(String virtualNamespaceName) {
    Map<String, VirtualNamespace> next = new LinkedHashMap<>(virtualNamespaces);
    next.remove(virtualNamespaceName);
    return new Topology(version + 1, next);
  }
}
