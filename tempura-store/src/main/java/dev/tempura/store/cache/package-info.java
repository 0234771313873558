/**
 * An in-process cache in front of any {@link dev.tempura.store.MappingStore}, so the data plane
 * reaches the store once per workflow rather than once per call.
 *
 * <p>The cache is safe to use from any thread; futures complete on the wrapped store's threads.
 */
package dev.tempura.store.cache;
