/** The options every command accepts, as commander hands them to an action. */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
  dryRun?: boolean;
  concurrency?: number;
  keepGoing?: boolean;
  force?: boolean;
  /** `--output full|failed|none`: which task output stays (see render/output-mode.ts). */
  output?: 'full' | 'failed' | 'none';
}
