/**
 * `tracer NAME ...` subcommands, each loaded only when it is called so that the plain CLI starts fast.
 * A cluster that has a subcommand's name is still reachable with `tracer -- NAME`.
 */
import type { CliIo } from './io.js';

/** Runs a subcommand with the arguments after its name; resolves to the exit code. */
export type Subcommand = (argv: readonly string[], io: CliIo) => Promise<number>;

/** Loads a subcommand's module on demand. */
export type SubcommandLoader = () => Promise<Subcommand>;

/**
 * The subcommands by name. A name mapped to undefined is reserved: this build does not include it.
 * Adding one is a single entry, for example `mcp: async () => (await import('../mcp/command.js')).runMcp`.
 */
export const SUBCOMMANDS: Readonly<Record<string, SubcommandLoader | undefined>> = {
  mcp: async () => (await import('../mcp/command.js')).runMcp,
  import: async () => (await import('../local/import-command.js')).runImport,
  migrate: async () => (await import('../local/migrate-command.js')).runMigrate,
  ui: async () => (await import('../ui/host/ui-command.js')).runUi,
};
