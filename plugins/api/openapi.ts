/** `GET /api/openapi.json`: the API described (OpenAPI 3.1), written by hand next to the routes it describes. */

const error = { $ref: '#/components/responses/Error' };
const agentParam = { name: 'agent', in: 'path', required: true, description: 'an agent of the roster (config `agents`)', schema: { type: 'string' } };
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const containerRef = { type: 'object', required: ['container_id', 'status'], properties: { container_id: { type: 'string' }, status: { type: 'string' } } };
const errors = { 401: error, 403: error, 404: error };
const changing = { ...errors, 409: error, 500: error };

export function openApiDocument(version: string): object {
  return {
    openapi: '3.1.0',
    info: { title: 'qms project API', version, description: 'The agents of one qms project: their containers, stats, verification evidence and a live event feed. Every call needs `Authorization: Bearer <token>` (the token file `qms serve api` names).' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      responses: {
        Error: json({ type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message', 'hint'], properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' } } } } }, 'error: 400 bad body, 401 no/wrong token, 403 Host/Origin refused, 404 unknown agent or not up, 409 the agent busy with another call or another qms run holding the project, 500 failed run or a config that no longer loads'),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/agents': { get: { summary: 'every roster agent: state, health, image, age, refresh criteria (age > 72 h, disk > 80 %, memory > 90 %) and verdict', responses: { 200: json({ type: 'object', properties: { agents: { type: 'array', items: { type: 'object' } } } }, 'the roster'), 401: error } } },
      '/api/agents/{agent}/ensure': { post: { summary: 'what `qms up <agent> --no-attach` does (other agents\' calls run at once; a second call for this agent meanwhile gets 409)', parameters: [agentParam], responses: { 200: json(containerRef, 'the running container'), ...changing } } },
      '/api/agents/{agent}/stats': { get: { summary: "seed 004's container stats", parameters: [agentParam], responses: { 200: json({ type: 'object', properties: { status: { type: 'string' }, age_hours: { type: 'number' }, memory_usage_mb: { type: ['number', 'null'] }, memory_limit_mb: { type: ['number', 'null'] }, memory_percent: { type: ['number', 'null'] }, disk_usage_percent: { type: ['number', 'null'] } } }, 'stats'), ...errors } } },
      '/api/agents/{agent}/refresh': { post: { summary: 'recreate the container, keeping workspace and login (`qms refresh <agent>`)', parameters: [agentParam], responses: { 200: json(containerRef, 'status "refreshed"'), ...changing } } },
      '/api/agents/{agent}': { delete: { summary: 'stop and remove the container (`qms stop <agent>`)', parameters: [agentParam], responses: { 200: json({ type: 'object', properties: { status: { const: 'stopped' } } }, 'stopped'), ...changing } } },
      '/api/agents/{agent}/exec': {
        post: {
          summary: 'run a command in the container (`qms exec`); NDJSON stream: {"stream":"stdout"|"stderr","data":…} lines as output arrives, {"exit":<code>} last',
          parameters: [agentParam],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['cmd'], properties: { cmd: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 256 } } } } } },
          responses: { 200: { description: 'NDJSON stream', content: { 'application/x-ndjson': {} } }, 400: error, ...errors },
        },
      },
      '/api/agents/{agent}/verification': { get: { summary: "the agent's latest verification (summary, from the host's own record of it; `intact`: the sessions folder's copy is still what was written); ?format=markdown: its Markdown as text/plain", parameters: [agentParam, { name: 'format', in: 'query', required: false, schema: { enum: ['json', 'markdown'] } }], responses: { 200: json({ type: 'object', properties: { verification: { type: ['object', 'null'] } } }, 'latest evidence or null'), ...errors } } },
      '/api/events': { get: { summary: 'server-sent events: task progress of ensure runs (the engine\'s run events) and `agent` state changes', responses: { 200: { description: 'text/event-stream', content: { 'text/event-stream': {} } }, 401: error } } },
      '/api/openapi.json': { get: { summary: 'this document', responses: { 200: json({ type: 'object' }, 'OpenAPI 3.1') } } },
    },
  };
}
