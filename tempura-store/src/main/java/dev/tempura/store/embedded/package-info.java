/**
 * A single-process store on one H2 MVStore file, for deployments without a shared store.
 *
 * <p>All reads and writes run on one writer thread that makes each batch durable (one append to the
 * store's redo log, with a commit of the MVStore file every second) before completing its futures,
 * so futures complete on that thread and an acknowledged write survives a process kill.
 */
package dev.tempura.store.embedded;
