/**
 * Calls about one workflow or one backend: resolve the backend (mapping, placement, locating,
 * token), rewrite the bytes, relay the call. How it ended goes to the call's observers.
 */
package dev.tempura.proxy.forward;
