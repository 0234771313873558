/**
 * Finding a workflow that has no mapping by asking every backend; "not found" only when every
 * backend answered so, UNAVAILABLE when one could not answer.
 */
package dev.tempura.proxy.locate;
