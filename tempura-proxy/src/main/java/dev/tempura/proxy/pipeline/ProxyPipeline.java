package dev.tempura.proxy.pipeline;

import dev.tempura.proxy.aggregate.NamespaceWideHandler;
import dev.tempura.proxy.call.Errors;
import dev.tempura.proxy.call.ProxyCall;
import dev.tempura.proxy.forward.Forwarder;
import dev.tempura.proxy.poll.PollDispatcher;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RequestFields;
import dev.tempura.proxy.routing.RouteKind;
import dev.tempura.proxy.security.CallGuard;
import dev.tempura.proxy.trace.CallTracer;
import dev.tempura.proxy.translate.Translations;
import dev.tempura.topology.Topology;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The whole life of a proxied call, in order: read the request once, check the caller, find the
 * virtual namespace, hand the call to the peer that serves its kind: {@link NamespaceWideHandler}
 * (scatter-gather), {@link PollDispatcher} (polls), {@link Forwarder} (one backend). The peers end
 * the call; its outcome goes to the observers the call carries.
 */
public final class ProxyPipeline {
  private final CallGuard guard;
  private final TopologyService topology;
  private final NamespaceWideHandler namespaceWide;
  private final PollDispatcher polls;
  private final Forwarder forwarder;
  private final CallTracer tracer;
  private final Set<ProxyCall> inFlight = ConcurrentHashMap.newKeySet();

  /**
   * @param guard the authorization and rate limits every call passes before it is routed ({@link
   *     CallGuard#NONE} for none)
   * @param tracer starts each call's spans ({@link CallTracer#OFF} for none)
   */
  public ProxyPipeline(
      CallGuard guard,
      TopologyService topology,
      NamespaceWideHandler namespaceWide,
      PollDispatcher polls,
      Forwarder forwarder,
      CallTracer tracer) {
    this.tracer = tracer;
    this.guard = guard;
    this.topology = topology;
    this.namespaceWide = namespaceWide;
    this.polls = polls;
    this.forwarder = forwarder;
  }

  void handle(ProxyCall call) {
    inFlight.add(call);
    // the call's span, continuing the client's trace; the shared no-op when tracing is off
    call.traceWith(tracer.start(call));
    call.context()
        .addListener(
            ended -> {
              inFlight.remove(call);
              // ends the span of a call the client cancelled before Tempura answered it
              call.trace().ended(Status.CANCELLED);
            },
            Runnable::run);
    try {
      MethodRoute route = call.route();
      // the one pass over the request's bytes: checks its top level, reads what routing needs
      RequestFields fields = route.read(call.request());
      // who may use the namespace the body names, and its rate limit: before anything else reads
      // the topology, so a refused client learns nothing about the namespace
      call.identifyWith(guard.identities());
      guard.check(route, fields.namespace(), call::identity);
      RouteKind kind = route.kind();
      if ((kind == RouteKind.NAMESPACE_WIDE || kind == RouteKind.NO_NAMESPACE)
          && namespaceWide.handle(call)) {
        return;
      }
      if (kind == RouteKind.NO_NAMESPACE) {
        forwarder.forwardToAny(call, virtualForClusterCall(call));
        return;
      }
      VirtualNamespace vns = requireVirtual(fields.namespace());
      if (kind == RouteKind.POLL) {
        polls.poll(call, vns);
      } else {
        forwarder.forward(call, fields, vns);
      }
    } catch (RuntimeException e) {
      call.fail(e);
    }
  }

  private VirtualNamespace requireVirtual(String name) {
    if (name == null || name.isEmpty()) {
      throw Status.INVALID_ARGUMENT
          .withDescription("Namespace not set on request.")
          .asRuntimeException();
    }
    return topology.virtualNamespace(name).orElseThrow(() -> Errors.namespaceNotFound(name));
  }

  /**
   * Cluster-level calls name no namespace in the body; the SDK still sends its namespace header,
   * which picks the cluster. Without it, the first virtual namespace answers.
   */
  private VirtualNamespace virtualForClusterCall(ProxyCall call) {
    Topology t = topology.current();
    String header = call.headers().get(Translations.NAMESPACE_HEADER);
    if (header != null) {
      VirtualNamespace vns = t.virtualNamespaces().get(header);
      if (vns != null && !vns.physicalNamespaces().isEmpty()) {
        return vns;
      }
    }
    for (VirtualNamespace vns : t.virtualNamespaces().values()) {
      if (!vns.physicalNamespaces().isEmpty()) {
        return vns;
      }
    }
    throw Status.UNAVAILABLE
        .withDescription("no physical namespace is configured yet")
        .asRuntimeException();
  }

  /**
   * Ends every call still in flight with UNAVAILABLE, which SDKs retry (against another replica
   * behind the load balancer, or this one once it is back). Used at the end of a graceful stop.
   */
  public int abortInFlight() {
    return abortInFlight(Long.MAX_VALUE);
  }

  /**
   * As {@link #abortInFlight()}, but only for calls with more than {@code minRemainingNanos} left
   * before their deadline: long polls (history waits, update polls) that would otherwise hold a
   * stopping proxy for a minute.
   */
  public int abortLongPolls(long minRemainingNanos) {
    return abortInFlight(minRemainingNanos);
  }

  private int abortInFlight(long minRemainingNanos) {
    int n = 0;
    for (ProxyCall call : inFlight) {
      Deadline d = call.context().getDeadline();
      if (minRemainingNanos != Long.MAX_VALUE
          && d != null
          && d.timeRemaining(TimeUnit.NANOSECONDS) <= minRemainingNanos) {
        continue;
      }
      if (call.close(
          Status.UNAVAILABLE.withDescription("Tempura is shutting down; retry the call"),
          new Metadata())) {
        n++;
      }
    }
    return n;
  }
}
