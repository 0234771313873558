/**
 * Task-token envelopes: a backend's opaque token wrapped with the physical namespace and workflow
 * it belongs to, so completions route without a lookup.
 */
package dev.tempura.proxy.token;
