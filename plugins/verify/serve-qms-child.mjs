// Test helper (plugins/verify/verify.test.ts): the built-in QMS MCP server (plugins/qms-mcp/serve.ts)
// in a child process, so the test can run it as the project owner's uid like a normal user's
// `qms up` would. Arguments are serve()'s; the token comes in env QMS_MCP_TOKEN.
import { createJiti } from 'jiti';
const jiti = createJiti(import.meta.url, { fsCache: false });
const { serve } = await jiti.import('../qms-mcp/serve.ts');
process.exit(await serve(process.argv.slice(2)));
