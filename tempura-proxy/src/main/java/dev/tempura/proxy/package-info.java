/**
 * The proxy: {@link dev.tempura.proxy.TempuraProxy} starts the gRPC server and its parts, {@link
 * dev.tempura.proxy.MethodTable} joins every method's policies once. Everything below is reached
 * from here; nothing below reaches back.
 */
package dev.tempura.proxy;
