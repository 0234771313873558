package dev.tempura.proxy.routing;

/** Where in a request the id of a keyed resource sits, and which keyspace it belongs to. */
public record KeyPath(Keyspace keyspace, String fieldPath, int[] path) {}
