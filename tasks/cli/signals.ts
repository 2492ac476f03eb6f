/**
 * Ctrl-C and SIGTERM: the first aborts the run (tasks get their signal, teardowns run, exit
 * 130); a second SIGINT stops waiting politely: children started through `ctx.$` are killed
 * and the process exits 130 at once.
 */
import { Interrupted } from '../run/failure.js';
import { killAllChildren } from '../run/shell.js';

export function handleSignals(controller: AbortController, err: NodeJS.WritableStream = process.stderr): { dispose(): void } {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      err.write(`\nqms: ${signal === 'SIGINT' ? 'interrupted' : `got ${signal}`}; stopping tasks and tearing down (Ctrl-C again to stop waiting)\n`);
      controller.abort(new Interrupted(signal));
      return;
    }
    err.write('qms: stopping now; killing child processes\n');
    killAllChildren();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
