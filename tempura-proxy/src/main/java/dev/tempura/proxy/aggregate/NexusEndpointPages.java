package dev.tempura.proxy.aggregate;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.temporal.api.nexus.v1.Endpoint;
import io.temporal.api.operatorservice.v1.ListNexusEndpointsResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Pages of the merged Nexus endpoint list. Endpoints are few, so every page is cut from the whole
 * list, in order of (name, target namespace); the page token is the key of the last one returned,
 * so a page never repeats or skips an endpoint that exists throughout.
 */
final class NexusEndpointPages {
  private static final String PREFIX = "tempura-nexus-endpoints/1/";

  private NexusEndpointPages() {}

  /** The key after which the page starts; null for the first page. */
  static String after(ByteString token) {
    if (token.isEmpty()) {
      return null;
    }
    String s = token.toString(StandardCharsets.UTF_8);
    if (!s.startsWith(PREFIX) || s.length() == PREFIX.length() || s.indexOf('\0') < 0) {
      throw Status.INVALID_ARGUMENT
          .withDescription("invalid next_page_token for ListNexusEndpoints")
          .asRuntimeException();
    }
    return s.substring(PREFIX.length());
  }

  static ListNexusEndpointsResponse page(List<Endpoint> all, String after, int pageSize) {
    List<Endpoint> sorted = new ArrayList<>(all);
    sorted.sort(Comparator.comparing(NexusEndpointPages::key));
    ListNexusEndpointsResponse.Builder out = ListNexusEndpointsResponse.newBuilder();
    String last = null;
    boolean more = false;
    for (Endpoint e : sorted) {
      String key = key(e);
      if (after != null && key.compareTo(after) <= 0) {
        continue;
      }
      if (out.getEndpointsCount() == pageSize) {
        more = true;
        break;
      }
      out.addEndpoints(e);
      last = key;
    }
    if (more) {
      out.setNextPageToken(ByteString.copyFrom(PREFIX + last, StandardCharsets.UTF_8));
    }
    return out.build();
  }

  private static String key(Endpoint e) {
    return e.getSpec().getName() + '\0' + e.getSpec().getTarget().getWorker().getNamespace();
  }
}
