/**
 * The three tiers of errors the CLI distinguishes: a known `QmsError` prints its message and
 * hint without a stack; `ConfigError` is a known error that exits 2 (usage/config); anything
 * else is unexpected and prints its stack; `ReportedError` means output was already shown.
 */
export class QmsError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'QmsError';
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
