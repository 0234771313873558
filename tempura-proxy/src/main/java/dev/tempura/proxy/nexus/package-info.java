/**
 * Nexus across a virtual namespace: a workflow started to handle a Nexus operation is placed on the
 * cluster of the operation's caller ({@link NexusHandlers}), where its completion callback is
 * delivered.
 */
package dev.tempura.proxy.nexus;
