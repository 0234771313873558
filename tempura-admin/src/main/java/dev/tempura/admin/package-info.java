/**
 * The admin HTTP API: creating virtual namespaces, adding, cordoning and uncordoning their physical
 * namespaces, and showing the topology, plus any GET routes the application adds such as metrics
 * and health checks. {@link dev.tempura.admin.AdminServer} is the entry point.
 *
 * <p>Threading: the server is Jetty, whose I/O threads read requests without blocking; routes run
 * on the admin server's own small executor, never on the data plane's event loops or Jetty's
 * threads, so they may block on topology writes; a slow store delays admin calls only, not proxied
 * traffic nor the health probes, which are answered on the I/O thread. Reads answer from the {@link
 * dev.tempura.topology.TopologyService} snapshot of this replica.
 */
package dev.tempura.admin;
