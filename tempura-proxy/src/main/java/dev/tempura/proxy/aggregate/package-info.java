/**
 * Namespace-wide calls: one client call fanned out to every physical namespace and answered as one
 * (lists merged and paged with composite tokens, counts summed, settings merged). A partial answer
 * is never returned as a whole one.
 */
package dev.tempura.proxy.aggregate;
