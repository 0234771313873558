/**
 * The admin CLI. {@code tempura namespace} ({@link dev.tempura.app.cli.NamespaceCommand}): the
 * admin HTTP API's topology, placement and drain endpoints as commands, with tables for people and
 * {@code -o json} for scripts; each subcommand makes one or two HTTP calls through {@link
 * dev.tempura.app.cli.AdminApi}. {@code tempura topology} ({@link
 * dev.tempura.app.cli.TopologyCommand}): the whole topology as a YAML or JSON document, exported
 * and applied through the admin API or offline on the store. Everything printed is escaped for a
 * terminal ({@link dev.tempura.app.cli.Tables}).
 */
package dev.tempura.app.cli;
