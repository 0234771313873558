package dev.tempura.topology;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of every virtual namespace. Each write bumps {@link #version()} by one, so
 * stores can refuse a write made from a stale snapshot.
 *
 * <p>{@link #rejected()} holds the stored entries that could not be served (written by an older
 * version, or by hand, with an invalid name or address, or a physical namespace that several
 * virtual namespaces share). They are kept, and written back with every later version, so that
 * nothing an operator stored disappears silently; they are shown by the admin API until a
 * declarative apply replaces the topology. Nothing serves them.
 */
public record Topology(
    long version, Map<String, VirtualNamespace> virtualNamespaces, List<Rejected> rejected) {

  public static final Topology EMPTY = new Topology(0, Map.of());

  /**
   * A stored entry that is not served, and why.
   *
   * @param virtualNamespace the virtual namespace it was stored under; null for a whole virtual
   *     namespace entry that could not be read
   * @param entry the stored entry as JSON text, exactly as it was found
   * @param reason one readable line
   */
  public record Rejected(String virtualNamespace, String entry, String reason) {
    public Rejected {
      requireNonNull(entry, "entry");
      requireNonNull(reason, "reason");
    }
  }

  public Topology {
    if (version < 0) {
      throw new IllegalArgumentException("version: " + version + " (expected: >= 0)");
    }
    // keep insertion order so listings are stable
    virtualNamespaces =
        Collections.unmodifiableMap(
            new LinkedHashMap<>(requireNonNull(virtualNamespaces, "virtualNamespaces")));
    rejected = List.copyOf(requireNonNull(rejected, "rejected"));
  }

  public Topology(long version, Map<String, VirtualNamespace> virtualNamespaces) {
    this(version, virtualNamespaces, List.of());
  }

  public Optional<VirtualNamespace> virtualNamespace(String name) {
    return Optional.ofNullable(virtualNamespaces.get(name));
  }

  /** The next version of this topology with {@code vns} added or replaced. */
  public Topology with(VirtualNamespace vns) {
    Map<String, VirtualNamespace> next = new LinkedHashMap<>(virtualNamespaces);
    next.put(vns.name(), vns);
    return new Topology(version + 1, next, rejected);
  }

  /** The next version of this topology without the named virtual namespace. */
  public Topology without(String virtualNamespaceName) {
    Map<String, VirtualNamespace> next = new LinkedHashMap<>(virtualNamespaces);
    next.remove(virtualNamespaceName);
    return new Topology(version + 1, next, rejected);
  }

  /**
   * The virtual namespace other than {@code except} that holds the same namespace of the same
   * cluster as {@code physical}, if any: a physical namespace belongs to one virtual namespace.
   */
  public Optional<String> owner(PhysicalNamespace physical, String except) {
    for (VirtualNamespace vns : virtualNamespaces.values()) {
      if (vns.name().equals(except)) {
        continue;
      }
      for (PhysicalNamespace p : vns.physicalNamespaces()) {
        if (p.sameNamespace(physical)) {
          return Optional.of(vns.name());
        }
      }
    }
    return Optional.empty();
  }

  /** One line per physical namespace that several virtual namespaces hold; empty when none. */
  public List<String> sharing() {
    List<String> problems = new ArrayList<>();
    List<VirtualNamespace> all = new ArrayList<>(virtualNamespaces.values());
    for (int i = 0; i < all.size(); i++) {
      for (PhysicalNamespace p : all.get(i).physicalNamespaces()) {
        for (int j = i + 1; j < all.size(); j++) {
          for (PhysicalNamespace q : all.get(j).physicalNamespaces()) {
            if (p.sameNamespace(q)) {
              problems.add(
                  "physical namespace '"
                      + p.id()
                      + "' is in both virtual namespaces '"
                      + all.get(i).name()
                      + "' and '"
                      + all.get(j).name()
                      + "'");
            }
          }
        }
      }
    }
    return problems;
  }
}
