package dev.tempura.proxy.e2e;

import dev.tempura.proxy.routing.ByteMarshaller;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.HandlerRegistry;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A front for a backend, as a TLS-terminating load balancer or Temporal Cloud's endpoint would be:
 * it listens with the given credentials (TLS, mutual TLS, or plaintext), records the method and
 * headers of every call, and relays the call, unary, to the backend behind it over plaintext.
 */
final class RecordingFront implements AutoCloseable {
  /** One call as the front saw it. */
  record Seen(String method, Metadata headers, String clientCertSubject) {
    String authorization() {
      return headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER));
    }
  }

  private final Server server;
  private final ManagedChannel upstream;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  RecordingFront(String backendAddress, ServerCredentials credentials) {
    this(backendAddress, credentials, 0);
  }

  /**
   * On {@code port}: 0 for any free one, or the port of a front closed before, to stand in for it.
   */
  RecordingFront(String backendAddress, ServerCredentials credentials, int port) {
    upstream = Grpc.newChannelBuilder(backendAddress, InsecureChannelCredentials.create()).build();
    try {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port), credentials)
              .fallbackHandlerRegistry(new Relay())
              .build()
              .start();
    } catch (IOException e) {
      upstream.shutdownNow();
      throw new UncheckedIOException(e);
    }
  }

  static RecordingFront plaintext(String backendAddress) {
    return new RecordingFront(backendAddress, InsecureServerCredentials.create());
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  int port() {
    return server.getPort();
  }

  List<Seen> seen() {
    return seen;
  }

  List<Seen> seen(MethodDescriptor<?, ?> method) {
    return seen.stream().filter(s -> s.method().equals(method.getFullMethodName())).toList();
  }

  @Override
  public void close() {
    server.shutdownNow();
    upstream.shutdownNow();
  }

  private final class Relay extends HandlerRegistry {
    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
      MethodDescriptor<byte[], byte[]> method =
          MethodDescriptor.newBuilder(ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE)
              .setType(MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(methodName)
              .build();
      return ServerMethodDefinition.create(method, handler(method));
    }
  }

  private ServerCallHandler<byte[], byte[]> handler(MethodDescriptor<byte[], byte[]> method) {
    return (ServerCall<byte[], byte[]> call, Metadata headers) -> {
      String subject = null;
      javax.net.ssl.SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
      if (session != null) {
        try {
          subject =
              ((java.security.cert.X509Certificate) session.getPeerCertificates()[0])
                  .getSubjectX500Principal()
                  .getName();
        } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
          // no client certificate
        }
      }
      seen.add(new Seen(method.getFullMethodName(), headers, subject));
      CallOptions options = CallOptions.DEFAULT;
      if (Context.current().getDeadline() != null) {
        options = options.withDeadline(Context.current().getDeadline());
      }
      ClientCall<byte[], byte[]> up = upstream.newCall(method, options);
      Object lock = new Object();
      up.start(
          new ClientCall.Listener<>() {
            @Override
            public void onHeaders(Metadata h) {
              synchronized (lock) {
                call.sendHeaders(h);
              }
            }

            @Override
            public void onMessage(byte[] message) {
              synchronized (lock) {
                call.sendMessage(message);
              }
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              synchronized (lock) {
                try {
                  call.close(status, trailers);
                } catch (IllegalStateException alreadyClosed) {
                  // the client went away
                }
              }
            }
          },
          headers);
      up.request(1);
      call.request(1);
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(byte[] message) {
          up.sendMessage(message);
        }

        @Override
        public void onHalfClose() {
          up.halfClose();
        }

        @Override
        public void onCancel() {
          up.cancel("the client cancelled", null);
        }
      };
    };
  }
}
