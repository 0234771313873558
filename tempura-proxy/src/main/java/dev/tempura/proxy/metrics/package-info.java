/**
 * The proxy's Micrometer metrics, in one place: per call, per backend, per store operation, and the
 * process's CPU.
 */
package dev.tempura.proxy.metrics;
