package dev.tempura.loadgen;

import io.temporal.workflow.DynamicSignalHandler;
import io.temporal.workflow.Workflow;

public final class ReceiveSignalWorkflowImpl implements ReceiveSignalWorkflow {
  /** Public, as is the class: the SDK instantiates workflow implementations reflectively. */
  public ReceiveSignalWorkflowImpl() {}

  private int received;

  @Override
  public void run(ReceiveSignalInput input) {
    if (input == null || input.count() <= 0) {
      return;
    }
    String name = input.name();
    // dynamic, because the signal name is data; a signal that came with the start (the runner's
    // SignalWithStart) is buffered by the SDK and handed to this handler once it is registered
    Workflow.registerListener(
        (DynamicSignalHandler)
            (signalName, args) -> {
              if (signalName.equals(name)) {
                received++;
              }
            });
    Workflow.await(() -> received >= input.count());
  }
}
