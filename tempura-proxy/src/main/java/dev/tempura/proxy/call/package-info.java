/**
 * The types every handler shares, below all of them: one client call in flight ({@link ProxyCall}),
 * where it goes ({@link Target}), how errors become statuses ({@link Errors}), and the observers
 * told how each call ended ({@link CallObserver}).
 */
package dev.tempura.proxy.call;
