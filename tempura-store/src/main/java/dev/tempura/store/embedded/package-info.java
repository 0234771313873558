/**
 * A single-process store on one H2 MVStore file, for deployments without a shared store: one {@link
 * dev.tempura.store.embedded.EmbeddedWriter} owning the file, shared by the mappings ({@link
 * dev.tempura.store.embedded.EmbeddedStore}) and the topology ({@link
 * dev.tempura.store.embedded.EmbeddedTopology}), opened together by {@link
 * dev.tempura.store.Stores#embedded}.
 *
 * <p>All reads and writes run on one writer thread that makes each batch durable (one append to the
 * store's redo log, with a commit of the MVStore file every second) before completing its futures,
 * so futures complete on that thread and an acknowledged write survives a process kill.
 */
package dev.tempura.store.embedded;
