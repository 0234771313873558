/**
 * {@code tempura namespace}: the admin HTTP API's topology, placement and drain endpoints as
 * commands, with tables for people and {@code --json} for scripts. {@link
 * dev.tempura.app.cli.NamespaceCommand} is the entry point; each subcommand makes one or two HTTP
 * calls through {@link dev.tempura.app.cli.AdminApi}.
 */
package dev.tempura.app.cli;
