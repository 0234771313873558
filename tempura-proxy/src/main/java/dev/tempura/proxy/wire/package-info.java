/**
 * Protobuf wire-level reading and rewriting, driven by plans derived from descriptors: a message is
 * returned as it is when nothing in it changes.
 */
package dev.tempura.proxy.wire;
