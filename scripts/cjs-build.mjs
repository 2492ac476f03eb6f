// qms's CommonJS build, run by startup-bundles.mjs (tasks/startup/cjs-build.ts loads it):
// 1. tsc's ES modules bundled by rolldown into dist/cjs/: an entry per BUILD_ENTRIES and the
//    chunks they share. In each module `import.meta.url` becomes `__qmsUrl('<its path in
//    dist/>')` (the URL it had), and an `import()` rolldown does not bundle (a package, a
//    computed specifier) becomes `__qmsImport(…, '<its path>')`: an ES import, or the build's
//    own entry. A package imported statically is an error: CommonJS cannot load an ES module
//    package as it loads. The loader itself gets a CommonJS copy beside it, for bin/qms.js.
// 2. The package entries (dist/index.js, dist/tasks/index.js) rewritten to re-export the build,
//    and the build's id, in its record and marked on the dist/ it belongs to.
// 3. V8's code cache of each chunk: as `qms list` and `qms --dry-run up` ran it on a small
//    project in a child process, or (a chunk that run did not load: task bodies) its compile.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodes } from './ast-nodes.mjs';

/** The build's loader in dist/ (tsc's ES module; the build adds a CommonJS copy beside it for bin/qms.js). */
const LOADER = 'tasks/startup/cjs-build.js';
/** tsc's loader: the build's names are defined there, once. */
const loader = (dist) => import(pathToFileURL(join(dist, LOADER)).href);

/** `code` of module `id` (in `dist`) with `import.meta.url` and unbundled `import()`s rewritten for the build. */
export function toChunkCode(code, id, dist, parseAst) {
  const ast = parseAst(code, { sourceType: 'module' }, id);
  const path = relative(dist, id).split(sep).join('/');
  const edits = [];
  const metaUrls = new Set();
  for (const n of nodes(ast)) {
    if (n.type === 'MemberExpression' && n.object.type === 'MetaProperty' && !n.computed && n.property.name === 'url') {
      edits.push([n.start, n.end, `__qmsUrl(${JSON.stringify(path)})`]);
      metaUrls.add(n.object);
    } else if (n.type === 'ImportExpression') {
      const literal = n.source.type === 'Literal' && typeof n.source.value === 'string';
      if (literal && n.source.value.startsWith('.')) continue; // rolldown bundles it
      if (n.options) throw new Error(`cjs-build: ${path}: import() with options is not supported by the CommonJS build`);
      // `__qmsImport(source, '<this module>')`: a relative specifier resolves against the module it was in.
      edits.push([n.start, n.source.start, '__qmsImport('], [n.end - 1, n.end - 1, `, ${JSON.stringify(path)}`]);
    }
  }
  for (const n of nodes(ast)) {
    if (n.type === 'MetaProperty' && !metaUrls.has(n)) throw new Error(`cjs-build: ${path}: only import.meta.url has a value in the CommonJS build, not ${code.slice(n.start, n.end + 12)}`);
  }
  let out = code;
  for (const [start, end, text] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + text + out.slice(end);
  return out === code ? null : out;
}

/**
 * Step 1: dist/cjs/ from tsc's files; returns each entry's export names. `startup`: the files
 * every start loads (a bare `qms list`), made one chunk: each chunk costs its own reads and
 * compile, and rolldown would otherwise split them by which entries share them.
 */
export async function bundleCjs(dist, rolldown, parseAst, startup) {
  const { BUILD_ENTRIES, BUILD_DIR } = await loader(dist);
  const out = join(dist, BUILD_DIR);
  rmSync(out, { recursive: true, force: true });
  const bundle = await rolldown({
    input: Object.fromEntries(Object.entries(BUILD_ENTRIES).map(([name, file]) => [name, join(dist, file)])),
    platform: 'node',
    logLevel: 'silent',
    plugins: [
      {
        name: 'qms-cjs-build',
        resolveId(source, importer) {
          if (!importer || source.startsWith('.') || isAbsolute(source)) return null;
          if (isBuiltin(source)) return { id: source, external: true };
          throw new Error(`cjs-build: ${relative(dist, importer)} imports the package ${source} statically: import it with import() (the CommonJS build loads packages as ES modules, when they are used)`);
        },
        transform: (code, id) => toChunkCode(code, id, dist, parseAst),
      },
    ],
  });
  // ES modules are strict code; rolldown's CommonJS output does not say so itself.
  const { output } = await bundle.write({
    dir: out,
    format: 'cjs',
    banner: "'use strict';",
    entryFileNames: '[name].cjs',
    chunkFileNames: '[name]-[hash].cjs',
    codeSplitting: { groups: [{ name: 'startup', test: (id) => startup.has(id) }] },
  });
  await bundle.close();
  // The loader as CommonJS too, beside its ES module (the same code: its state is shared through
  // globalThis): bin/qms.js requires it, so a command run from the build loads no ES module.
  const own = await rolldown({ input: join(dist, LOADER), platform: 'node', logLevel: 'silent', external: (id) => isBuiltin(id) });
  await own.write({ file: join(dist, LOADER.replace(/\.js$/, '.cjs')), format: 'cjs', banner: "'use strict';" });
  await own.close();
  const entries = Object.fromEntries(output.filter((c) => c.type === 'chunk' && c.isEntry).map((c) => [c.name, c.exports]));
  return { entries };
}

/** Step 2: the package entries re-export the build (the ES modules stay for the rest of dist/), and the build's id. */
export async function writeEntryModules(dist, entries) {
  const { BUILD_ENTRIES, BUILD_DIR, BUILD_RECORD, MARKED_FILE, buildMark } = await loader(dist);
  for (const name of ['index', 'engine']) {
    const file = join(dist, BUILD_ENTRIES[name]);
    const from = relative(dirname(file), join(dist, LOADER)).split(sep).join('/');
    const names = entries[name];
    if (!names) throw new Error(`cjs-build: no entry ${name} in the build`);
    const text = [
      `// qms's ${name === 'index' ? "package entry ('qms')" : "engine entry ('qms/engine')"}, written by scripts/cjs-build.mjs over tsc's file: it re-exports`,
      "// qms's CommonJS build, so that a config and the CLI share one copy of qms (tasks/startup/cjs-build.ts).",
      `import { buildEntry } from './${from}';`,
      `const build = buildEntry(${JSON.stringify(name)});`,
      "if (!build) throw new Error(\"qms: dist/ is out of date with its CommonJS build: run `npm run build` in the qms package\");",
      ...names.filter((n) => n !== 'default').map((n) => `export const ${n} = build.${n};`),
      ...(names.includes('default') ? ['export default build.default;'] : []),
      '',
    ].join('\n');
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  }
  const id = randomBytes(8).toString('hex');
  appendFileSync(join(dist, MARKED_FILE), buildMark(id));
  writeFileSync(join(dist, BUILD_DIR, BUILD_RECORD), `${JSON.stringify({ id })}\n`);
}

/** A project like qms's own, for the code cache's run. */
const EXERCISE_CONFIG = `import { defineConfig, dockerEngine, auth, dockerImage, qmsMcp, gitMcp, session, container, verify, api } from 'qms';
export default defineConfig({
  agents: ['claude'],
  plugins: [dockerEngine(), auth(), dockerImage({ context: 'docker' }), qmsMcp({ port: 8000 }), gitMcp({ port: 8001 }), session(), container({ after: ['session', 'auth'], attachAfter: ['verify'] }), verify(), api()],
  tasks: [{ name: 'compile', description: 'compile', run: async () => {} }],
  chains: { up: ['engine', 'auth', 'build', 'mcp:qms', 'mcp:git', 'session', 'container', 'verify', 'attach'] },
});
`;

/** Step 3: the chunks' code caches; returns how many chunks ran in the exercise and how many there are, or why there are none. */
export async function keepChunkCaches(dist) {
  const project = mkdtempSync(join(tmpdir(), 'qms-cjs-build-'));
  try {
    writeFileSync(join(project, 'qms.config.ts'), EXERCISE_CONFIG);
    const script = `
      import { writeFileSync, renameSync } from 'node:fs';
      const { buildEntry, chunkCodeCaches } = await import(${JSON.stringify(pathToFileURL(join(dist, LOADER)).href)});
      const cli = buildEntry('main');
      if (!cli) throw new Error('the CommonJS build is not current');
      // A run with a fresh config (jiti), then with the kept compiled one, then the plan of an up.
      for (const args of [['list'], ['list'], ['--dry-run', 'up']]) {
        const code = await cli.main(['node', 'qms', ...args]);
        if (code !== 0) throw new Error('qms ' + args.join(' ') + ' exited ' + code);
      }
      const caches = chunkCodeCaches();
      for (const { file, cache } of caches) { writeFileSync(file + '.tmp', cache); renameSync(file + '.tmp', file); }
      process.stderr.write(JSON.stringify({ ran: caches.filter((c) => c.ran).length, all: caches.length }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, env: { ...process.env, CI: '1', NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    // The caches only save compiling: without them the build still runs, as fast as the ES modules.
    if (r.status !== 0) return { ran: 0, all: 0, failed: r.stderr.trim().split('\n').slice(-3).join(' ') };
    return JSON.parse(r.stderr.trim().split('\n').pop());
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}
