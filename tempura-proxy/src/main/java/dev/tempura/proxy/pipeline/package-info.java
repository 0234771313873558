/**
 * The entry of every call: one handler per method, the request read once, the guard, then dispatch
 * to one of three peers (namespace-wide, poll, forward); and the observers every call's outcome
 * goes to, listed in one place.
 */
package dev.tempura.proxy.pipeline;
