/**
 * A store shared by proxy replicas, on standalone Redis or Redis Cluster through Lettuce: {@link
 * dev.tempura.store.redis.RedisStore}, configured by {@link
 * dev.tempura.store.redis.RedisStoreOptions}.
 *
 * <p>Futures complete on Lettuce's event-loop threads, so continuations must be short; topology
 * listeners run on a thread of the store's own.
 */
package dev.tempura.store.redis;
