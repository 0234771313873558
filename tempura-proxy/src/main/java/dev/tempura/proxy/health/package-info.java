/**
 * Which backends may take new workflows: active health checks, passive ejection, and faults that
 * make one backend unusable without touching the others.
 */
package dev.tempura.proxy.health;
