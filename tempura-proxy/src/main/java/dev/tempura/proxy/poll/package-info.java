/**
 * Worker polls across physical namespaces: shared hubs per task queue keep backend polls going and
 * never drop a task a backend handed out; replicas sharing a store hand held tasks to where a poll
 * waits.
 */
package dev.tempura.proxy.poll;
