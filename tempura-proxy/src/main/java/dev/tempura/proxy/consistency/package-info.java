/**
 * Whether the physical namespaces of one virtual namespace agree where clients would notice: server
 * capabilities, custom search attributes, namespace settings. Checked when one is added and shown
 * in the admin API's {@code get}; never on the data plane's path.
 */
package dev.tempura.proxy.consistency;
