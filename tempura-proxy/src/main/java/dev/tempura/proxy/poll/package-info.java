/**
 * Worker polls across physical namespaces: shared hubs per task queue keep backend polls going and
 * never drop a task a backend handed out.
 */
package dev.tempura.proxy.poll;
