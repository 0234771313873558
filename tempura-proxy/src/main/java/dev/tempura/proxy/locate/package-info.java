/** Finding a workflow that has no mapping by asking every backend, and recording where it is. */
package dev.tempura.proxy.locate;
