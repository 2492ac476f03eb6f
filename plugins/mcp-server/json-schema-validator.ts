/**
 * One JSON Schema validator (an Ajv instance with its formats) for every MCP server this
 * process makes. The SDK makes a new one for each McpServer otherwise, and the built-in servers
 * make an McpServer per session: ~2.5 ms of CPU for each session, a readiness probe's included.
 * It keeps no session state. (Ajv caches a schema with an `$id` by that id: the servers' own
 * schemas, the same in every session; they ask for none today, elicitation being its only use.)
 */
import type { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';

let shared: Promise<AjvJsonSchemaValidator> | undefined;

/** The `jsonSchemaValidator` server option every built-in server passes. */
export function sharedJsonSchemaValidator(): Promise<AjvJsonSchemaValidator> {
  shared ??= import('@modelcontextprotocol/sdk/validation/ajv').then((m) => new m.AjvJsonSchemaValidator());
  return shared;
}
