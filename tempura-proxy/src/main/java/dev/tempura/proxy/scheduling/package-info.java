/**
 * Periodic background work that survives its own failures, and one-line error text for logs and
 * statuses; used by every package that runs something on a timer, so it depends on none of them.
 */
package dev.tempura.proxy.scheduling;
