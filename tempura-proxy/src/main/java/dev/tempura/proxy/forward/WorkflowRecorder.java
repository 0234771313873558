package dev.tempura.proxy.forward;

import com.google.protobuf.Descriptors.Descriptor;
import dev.tempura.proxy.routing.Keyspace;
import dev.tempura.proxy.wire.WireFields;
import dev.tempura.store.MappingStore;
import dev.tempura.topology.PhysicalNamespace;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records mappings for workflows that reach a backend without a Start through Tempura: children
 * started by a workflow (placed on the parent's backend by Temporal itself), and any workflow whose
 * task is polled (started by a schedule, or before Tempura was in the path).
 */
public final class WorkflowRecorder {
  private static final Logger log = LoggerFactory.getLogger(WorkflowRecorder.class);
  private static final Descriptor RESPOND = RespondWorkflowTaskCompletedRequest.getDescriptor();
  private static final int[] CHILD_IDS =
      WireFields.path(RESPOND, "commands.start_child_workflow_execution_command_attributes.workflow_id");
  private static final int[] CHILD_NAMESPACES =
      WireFields.path(RESPOND, "commands.start_child_workflow_execution_command_attributes.namespace");
  private final MappingStore mappings;

  public WorkflowRecorder(MappingStore mappings) {
    this.mappings = mappings;
  }

  /**
   * Records the children a completed workflow task starts, before the task reaches the backend,
   * so that a client can address a child as soon as it exists.
   *
   * @param request a RespondWorkflowTaskCompletedRequest as the client sent it (virtual names)
   */
  CompletableFuture<Void> recordChildren(
      byte[] request, String virtualName, PhysicalNamespace parentBackend) {
    List<String> ids = WireFields.strings(request, CHILD_IDS);
    if (ids.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    for (String ns : WireFields.strings(request, CHILD_NAMESPACES)) {
      if (!ns.isEmpty() && !ns.equals(virtualName)) {
        // a child in another namespace lives wherever that namespace is; not ours to record here
        return CompletableFuture.completedFuture(null);
      }
    }
    List<CompletableFuture<String>> writes = new ArrayList<>(ids.size());
    for (String id : ids) {
      writes.add(mappings.putIfAbsent(Keyspace.WORKFLOW.key(virtualName, id), parentBackend.id()));
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }

  /** Records the workflow of a polled task; cheap when known, since the cache answers. */
  public void recordPolled(String id, String virtualName, PhysicalNamespace from) {
    if (id == null || id.isEmpty()) {
      return;
    }
    mappings
        .putIfAbsent(Keyspace.WORKFLOW.key(virtualName, id), from.id())
        .whenComplete(
            (mapped, error) -> {
              if (error != null) {
                log.warn("could not record the mapping of polled workflow {}", id, error);
              } else if (!mapped.equals(from.id())) {
                // the same id on two backends (reused after its mapping expired): keep the mapping
                log.debug(
                    "workflow {} polled from {} but mapped to {}",
                    id, from.id(), mapped);
              }
            });
  }
}
