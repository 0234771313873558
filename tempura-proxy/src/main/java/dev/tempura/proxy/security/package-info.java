/**
 * TLS, mutual TLS and API keys, client identity and authorization, and the per-client and
 * per-namespace limits.
 */
package dev.tempura.proxy.security;
