package dev.tempura.store;

import java.util.concurrent.CompletableFuture;

/**
 * Small named records of Tempura's own long-running work, such as the import of an adopted
 * namespace's workflows, kept beside the mappings so that the work resumes where it stopped after a
 * restart, on any replica sharing the store. A record is an opaque string (its owner's JSON); the
 * store only keeps it and swaps it atomically.
 *
 * <p>Every method is non-blocking; futures may complete on a store thread.
 */
public interface ProgressStore {

  /** The record stored under {@code name}, or {@code null} when there is none. */
  CompletableFuture<String> get(String name);

  /**
   * Stores {@code next} under {@code name} (removes the record when {@code next} is null) only if
   * what is stored is {@code expected} ({@code null}: nothing stored); {@code false}, storing
   * nothing, when another writer got there first.
   */
  CompletableFuture<Boolean> compareAndSet(String name, String expected, String next);
}
