// Test helper (plugins/session/session.test.ts): one process claiming a session, started
// together with others through a file barrier (announce `ready-<pid>`, wait for `go`), so
// several processes race for the same folder. Prints the claimed id.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createJiti } from 'jiti';
const [, , root, barrier] = process.argv;
const jiti = createJiti(import.meta.url);
const { createSession } = await jiti.import('./create-session.ts');
writeFileSync(join(barrier, `ready-${process.pid}`), '');
while (!existsSync(join(barrier, 'go'))) await new Promise((r) => setTimeout(r, 1));
const result = await createSession(root, 'claude');
process.stdout.write(result.id + '\n');
