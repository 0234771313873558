/**
 * The topology model (virtual namespaces backed by physical namespaces) and {@link
 * dev.tempura.topology.TopologyService}, the only way to change it.
 *
 * <p>The model is immutable and safe to share across threads; the service changes it with
 * optimistic compare-and-set against a {@link dev.tempura.store.TopologyStore}.
 */
package dev.tempura.topology;
