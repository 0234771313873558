package dev.tempura.proxy.e2e;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Two scripted backends ({@link RecordingBackend}) behind a proxy set up by {@link
 * ProxyFixture#startOnRecordingBackends} (physical namespace pa on {@link #a}, pb on {@link #b}),
 * and a client channel to the proxy: the setting of the tests that look at what each backend
 * received. Closing closes all of it, the channel first.
 */
final class OnRecordingBackends implements AutoCloseable {
  final RecordingBackend a;
  final RecordingBackend b;
  final ProxyFixture tempura;
  final ManagedChannel channel;

  OnRecordingBackends(Path dataDir) {
    a = new RecordingBackend();
    b = new RecordingBackend();
    try {
      tempura = ProxyFixture.startOnRecordingBackends(dataDir, a, b);
    } catch (RuntimeException e) {
      a.close();
      b.close();
      throw e;
    }
    channel = NettyChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
  }

  /** A blocking stub on {@link #channel} whose calls give up after 10 s. */
  WorkflowServiceBlockingStub stub() {
    return WorkflowServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    tempura.close();
    a.close();
    b.close();
  }
}
