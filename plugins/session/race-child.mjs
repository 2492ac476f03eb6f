// Test helper (plugins/session/session.test.ts): one process claiming a session at a given
// instant, so several processes race for the same folder. Prints the claimed id.
import { createJiti } from 'jiti';
const [, , root, startAt] = process.argv;
const jiti = createJiti(import.meta.url);
const { createSession } = await jiti.import('./create-session.ts');
const late = Date.now() >= Number(startAt);
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1));
const result = await createSession(root, 'claude');
process.stdout.write(JSON.stringify({ id: result.id, late }) + '\n');
