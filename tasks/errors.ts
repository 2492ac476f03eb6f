/**
 * The three tiers of errors the CLI distinguishes: a known `QmsError` prints its message and
 * hint without a stack; `ConfigError` is a known error that exits 2 (usage/config); anything
 * else is unexpected and prints its stack; `ReportedError` means output was already shown.
 */
/** Where an error happened, kept as fields so the renderer prefixes the message once. */
export interface ErrorFields {
  /** The plugin whose task or command failed. */
  plugin?: string;
  /** The task (or plugin command) that failed. */
  task?: string;
  /** The underlying error. */
  cause?: unknown;
}

export class QmsError extends Error {
  readonly plugin?: string;
  readonly task?: string;

  constructor(
    message: string,
    readonly hint?: string,
    fields: ErrorFields = {},
  ) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'QmsError';
    if (fields.plugin !== undefined) this.plugin = fields.plugin;
    if (fields.task !== undefined) this.task = fields.task;
  }
}

/** A broken config or bad usage: exit code 2. `file` and `key` say where. */
export class ConfigError extends QmsError {
  constructor(
    message: string,
    hint?: string,
    readonly file?: string,
    readonly key?: string,
  ) {
    super(message, hint);
    this.name = 'ConfigError';
  }
}

/** The failure was already printed (e.g. by a child process); the CLI only sets the exit code. */
export class ReportedError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'ReportedError';
  }
}
