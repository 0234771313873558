/**
 * The mapping lifecycle: no TTL while a workflow runs, the retention once it closes, a reconciler
 * for what was missed, drain reports for decommissioning.
 */
package dev.tempura.proxy.lifecycle;
