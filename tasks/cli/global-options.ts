/** The options every command accepts, as commander hands them to an action. */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
  dryRun?: boolean;
  concurrency?: number;
  keepGoing?: boolean;
  force?: boolean;
}
