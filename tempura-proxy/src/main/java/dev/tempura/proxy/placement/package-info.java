/**
 * Where a new workflow goes: policies (rendezvous, round-robin, adaptive) apart from the mechanism
 * that applies them; affinity groups keep related workflows together.
 */
package dev.tempura.proxy.placement;
