/**
 * The request pipeline for calls about one workflow: resolve the backend (mapping, placement,
 * token), rewrite the bytes, relay the call, observe its outcome. Shared call types live here too.
 */
package dev.tempura.proxy.forward;
