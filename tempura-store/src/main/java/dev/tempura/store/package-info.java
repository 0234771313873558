/**
 * The storage contracts behind the proxy: durable workflow-to-backend mappings ({@link
 * dev.tempura.store.MappingStore}) and the versioned topology ({@link
 * dev.tempura.store.TopologyStore}), opened together over one shared connection or file by {@link
 * dev.tempura.store.Stores}.
 *
 * <p>Every store method is non-blocking and may complete its future on a store-owned thread, so
 * continuations must be short and must never block on another call to the same store. A shared
 * store fails the calls it cannot get answered with {@link
 * dev.tempura.store.StoreUnavailableException}.
 */
package dev.tempura.store;
