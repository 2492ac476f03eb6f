// Every node of an ESTree AST (rolldown's parseAst), depth first: for the build scripts that read
// tsc's output (startup-bundles.mjs, cjs-build.mjs).
export function* nodes(node) {
  if (node === null || typeof node !== 'object') return;
  if (typeof node.type === 'string') yield node;
  for (const v of Object.values(node)) {
    if (Array.isArray(v)) for (const x of v) yield* nodes(x);
    else if (v !== null && typeof v === 'object') yield* nodes(v);
  }
}
