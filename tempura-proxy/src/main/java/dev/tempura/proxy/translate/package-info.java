/** Virtual to physical names and back, in bodies, headers, history events and error details. */
package dev.tempura.proxy.translate;
