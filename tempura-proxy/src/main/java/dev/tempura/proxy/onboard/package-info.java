/**
 * Onboarding a physical namespace that already holds workflows: the import of their ids into the
 * mapping store, resumable from its stored progress, and the look-up that keeps a start for an
 * unmapped id off other backends until the import is done.
 */
package dev.tempura.proxy.onboard;
