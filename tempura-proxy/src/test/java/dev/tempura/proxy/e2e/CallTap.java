package dev.tempura.proxy.e2e;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A server interceptor shared by the test backends: it records the method and the {@code namespace}
 * field of every request, and fails calls on demand, so a test can see which physical namespaces
 * reached a backend and can make one backend misbehave.
 *
 * <p>It works on typed messages and on raw bytes alike: byte-level (forwarded) methods are parsed
 * with the typed descriptor of the same name from the services given at construction.
 */
final class CallTap implements ServerInterceptor {
  /** One received request: bare method name (e.g. "ListWorkflowExecutions") and its namespace. */
  record Call(String method, String namespace) {}

  private final Map<String, MethodDescriptor<?, ?>> typed = new ConcurrentHashMap<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final Map<String, Queue<Status>> failNext = new ConcurrentHashMap<>();
  private volatile Status failAll;

  CallTap(ServiceDescriptor... services) {
    for (ServiceDescriptor s : services) {
      for (MethodDescriptor<?, ?> m : s.getMethods()) {
        typed.put(m.getFullMethodName(), m);
      }
    }
  }

  List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The namespace of every request that has one, in arrival order, duplicates kept. */
  List<String> namespacesSeen() {
    return calls.stream().map(Call::namespace).filter(n -> n != null).toList();
  }

  void failNext(String method, Status status) {
    failNext.computeIfAbsent(bare(method), k -> new ConcurrentLinkedQueue<>()).add(status);
  }

  /** While set, every call is answered with this status; null turns it off. */
  void failAll(Status status) {
    failAll = status;
  }

  void clear() {
    calls.clear();
    failNext.clear();
  }

  static String bare(String method) {
    int slash = method.lastIndexOf('/');
    return slash < 0 ? method : method.substring(slash + 1);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = bare(call.getMethodDescriptor().getFullMethodName());
    return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      // set once this interceptor has answered; the real handler must then see nothing more,
      // or a unary handler would complain about a half-close without a request
      private boolean failed;

      @Override
      public void onMessage(Q message) {
        calls.add(new Call(method, namespaceOf(call.getMethodDescriptor(), message)));
        Status failure = failAll;
        if (failure == null) {
          Queue<Status> q = failNext.get(method);
          failure = q == null ? null : q.poll();
        }
        if (failure != null) {
          failed = true;
          call.close(failure, new Metadata());
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!failed) {
          super.onHalfClose();
        }
      }
    };
  }

  private String namespaceOf(MethodDescriptor<?, ?> method, Object message) {
    Message parsed;
    if (message instanceof Message m) {
      parsed = m;
    } else if (message instanceof byte[] bytes) {
      MethodDescriptor<?, ?> t = typed.get(method.getFullMethodName());
      if (t == null) {
        return null;
      }
      try {
        parsed = (Message) t.parseRequest(new ByteArrayInputStream(bytes));
      } catch (RuntimeException unreadable) {
        return null; // the backend behind will say what is wrong with it
      }
    } else {
      return null;
    }
    FieldDescriptor f = parsed.getDescriptorForType().findFieldByName("namespace");
    if (f == null || f.getJavaType() != FieldDescriptor.JavaType.STRING || f.isRepeated()) {
      return null;
    }
    return (String) parsed.getField(f);
  }
}
