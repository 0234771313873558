/**
 * Talking to backends: one channel per cluster and event loop, the one call primitive ({@link
 * dev.tempura.proxy.backend.BackendCalls}) every other package uses, and periodic tasks that
 * survive their own failures.
 */
package dev.tempura.proxy.backend;
