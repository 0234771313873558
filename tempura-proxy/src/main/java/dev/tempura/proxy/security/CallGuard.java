package dev.tempura.proxy.security;

import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RouteKind;
import dev.tempura.topology.TopologyService;
import java.util.function.Supplier;

/**
 * What a call must pass before it is routed: the allow-list of its virtual namespace (when
 * authorization is configured), then the namespace's rate limit (polls excepted: Temporal limits
 * them separately, and a parked poll costs the backends nothing until a task arrives).
 *
 * <p>The namespace is read from the request body, before the proxy looks it up, so a client that
 * may not use a namespace learns nothing about whether it exists.
 */
public final class CallGuard {
  /** Lets everything through. */
  public static final CallGuard NONE =
      new CallGuard(null, null, null, ClientIdentities.WITHOUT_JWT);

  private final TopologyService topology;
  private final ClientIdentities identities;
  private final Authorizer authorizer;
  private final RateLimits rates;

  /**
   * @param authorizer the allow-lists, or null for none
   * @param rates the rate limits, or null for none
   * @param identities tells who a call comes from
   */
  public CallGuard(
      TopologyService topology,
      Authorizer authorizer,
      RateLimits rates,
      ClientIdentities identities) {
    this.identities = identities;
    this.topology = topology;
    this.authorizer = authorizer;
    this.rates = rates == null || rates.off() ? null : rates;
  }

  /** How calls are identified, for the pipeline and the poll limits. */
  public ClientIdentities identities() {
    return identities;
  }

  /**
   * Whether the caller may see {@code namespace}: for the calls that answer about namespaces the
   * request does not name (ListNamespaces, cluster-level calls), which must not reveal others'.
   */
  public boolean maySee(Supplier<ClientIdentity> identity, String namespace) {
    return authorizer == null || authorizer.permits(identity.get(), namespace);
  }

  /**
   * Throws PERMISSION_DENIED or RESOURCE_EXHAUSTED; returns when the call may go on.
   *
   * @param bodyNamespace the namespace the request's body names, or null
   * @param identity who made the call; asked only when authorization is configured
   */
  public void check(MethodRoute route, String bodyNamespace, Supplier<ClientIdentity> identity) {
    if (authorizer == null && rates == null) {
      return;
    }
    String namespace = route.kind() == RouteKind.NO_NAMESPACE ? null : bodyNamespace;
    if (namespace != null && namespace.isEmpty()) {
      namespace = null; // refused later as INVALID_ARGUMENT, once the identity is known to be good
    }
    if (authorizer != null) {
      authorizer.check(identity.get(), namespace);
    }
    if (rates != null
        && namespace != null
        && route.kind() != RouteKind.POLL
        // buckets only for namespaces that exist, so that made-up names cannot fill memory
        && topology.virtualNamespace(namespace).isPresent()) {
      rates.acquire(namespace);
    }
  }
}
