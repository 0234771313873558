package dev.tempura.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** VIRTUAL PHYSICAL [--cluster-address A]: the physical namespace a command acts on. */
final class PhysicalTarget {
  @Parameters(index = "0", paramLabel = "VIRTUAL", description = "The virtual namespace.")
  String virtual;

  @Parameters(index = "1", paramLabel = "PHYSICAL", description = "The physical namespace in it.")
  String physical;

  @Option(
      names = "--cluster-address",
      paramLabel = "ADDRESS",
      description =
          "The physical namespace's cluster (host:port); needed only when its name is on several"
              + " clusters.")
  String clusterAddress;

  /** The request fields the admin API names them by. */
  ObjectNode body() {
    ObjectNode body =
        AdminApi.JSON
            .createObjectNode()
            .put("virtual_namespace", virtual)
            .put("physical_namespace", physical);
    if (clusterAddress != null) {
      body.put("cluster_address", clusterAddress);
    }
    return body;
  }
}
