package dev.tempura.proxy.consistency;

import dev.tempura.proxy.backend.BackendCalls;
import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.topology.PhysicalNamespace;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What one physical namespace's backend says about itself: GetSystemInfo, OperatorService
 * ListSearchAttributes and DescribeNamespace. A part that could not be read is null, with the
 * reason in {@code unknown}; it never fails the whole.
 *
 * @param systemInfo null when unknown
 * @param customSearchAttributes null when unknown (the in-memory test server does not implement
 *     ListSearchAttributes)
 * @param namespace null when unknown
 */
record BackendFacts(
    PhysicalNamespace physical,
    GetSystemInfoResponse systemInfo,
    Map<String, IndexedValueType> customSearchAttributes,
    DescribeNamespaceResponse namespace,
    Map<String, String> unknown) {

  static CompletableFuture<BackendFacts> read(
      BackendChannels channels, PhysicalNamespace p, Deadline deadline) {
    CompletableFuture<GetSystemInfoResponse> info =
        call(
            channels,
            p,
            WorkflowServiceGrpc.getGetSystemInfoMethod(),
            GetSystemInfoRequest.getDefaultInstance(),
            deadline);
    CompletableFuture<ListSearchAttributesResponse> attributes =
        call(
            channels,
            p,
            OperatorServiceGrpc.getListSearchAttributesMethod(),
            ListSearchAttributesRequest.newBuilder().setNamespace(p.name()).build(),
            deadline);
    CompletableFuture<DescribeNamespaceResponse> namespace =
        call(
            channels,
            p,
            WorkflowServiceGrpc.getDescribeNamespaceMethod(),
            DescribeNamespaceRequest.newBuilder().setNamespace(p.name()).build(),
            deadline);
    return CompletableFuture.allOf(
            info.exceptionally(e -> null),
            attributes.exceptionally(e -> null),
            namespace.exceptionally(e -> null))
        .thenApply(
            v -> {
              Map<String, String> unknown = new java.util.LinkedHashMap<>();
              GetSystemInfoResponse i = value(info, "system info", unknown);
              ListSearchAttributesResponse a = value(attributes, "search attributes", unknown);
              DescribeNamespaceResponse n = value(namespace, "namespace settings", unknown);
              return new BackendFacts(
                  p, i, a == null ? null : a.getCustomAttributesMap(), n, Map.copyOf(unknown));
            });
  }

  private static <T> T value(CompletableFuture<T> f, String what, Map<String, String> unknown) {
    try {
      T v = f.join();
      if (v == null) {
        unknown.put(what, "no answer");
      }
      return v;
    } catch (RuntimeException e) {
      Status s = Status.fromThrowable(e.getCause() != null ? e.getCause() : e);
      unknown.put(
          what, s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription()));
      return null;
    }
  }

  private static <Q, R> CompletableFuture<R> call(
      BackendChannels channels,
      PhysicalNamespace p,
      MethodDescriptor<Q, R> method,
      Q request,
      Deadline deadline) {
    try {
      return BackendCalls.unary(channels.channel(p), method, request, new Metadata(), deadline);
    } catch (RuntimeException e) {
      // this backend's channel cannot be had: unknown, like a backend that does not answer
      return CompletableFuture.failedFuture(
          Status.UNAVAILABLE.withDescription(e.toString()).asRuntimeException());
    }
  }
}
