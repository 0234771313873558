/**
 * The method table: one complete, explicit rule per RPC of WorkflowService and OperatorService,
 * built once from the descriptors; a method without a complete entry fails the build.
 */
package dev.tempura.proxy.routing;
