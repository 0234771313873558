/**
 * A store shared by proxy replicas, on standalone Redis or Redis Cluster through Lettuce: one
 * {@link dev.tempura.store.redis.RedisConnection} shared by the mappings ({@link
 * dev.tempura.store.redis.RedisStore}) and the topology ({@link
 * dev.tempura.store.redis.RedisTopology}), opened together by {@link
 * dev.tempura.store.Stores#redis} and configured by {@link
 * dev.tempura.store.redis.RedisStoreOptions}.
 *
 * <p>Futures complete on Lettuce's event-loop threads, so continuations must be short; topology
 * listeners run on a thread of the store's own.
 */
package dev.tempura.store.redis;
