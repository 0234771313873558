/**
 * Where a new workflow goes: policies (rendezvous, round-robin, adaptive) apart from the mechanism
 * that applies them; affinity groups keep related workflows together, and workflows that signal or
 * cancel one on another backend are reported ({@code CrossBackendCommands}).
 */
package dev.tempura.proxy.placement;
