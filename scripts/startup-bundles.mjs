// Start-up bundles, run by `npm run build` after tsc: fewer files for Node's ESM loader to
// load when the CLI starts (each costs ~1.5 ms, and `qms list` loaded 44 of ours), and zod and
// dockerode as one minified, code-cached file each (compiling zod was a sixth of `qms list`). What runs stays tsc's
// output and zod's code, in fewer files (bench/startup.bench.mjs; tasks/README.md, "Start-up").
//
// 1. The modules the CLI loads (from ROOTS, following static imports and dynamic imports of a
//    literal path: `qms list`'s files and what commands and tasks load when they run, such as
//    the task bodies `qms up` loads) are rewritten in place with the *inlinable* modules they
//    import statically copied into them. A module is inlinable when a second copy of it cannot
//    be told from the first: no `import.meta`, and its top level only imports, declares
//    functions and binds constants to values that make no state (literals, functions, arrays
//    and objects of those: no call, `new`, class, `let` or statement). Every other module
//    (errors.js's classes, a module-level cache, a path from import.meta.url) stays one file
//    that everything imports, so its identity is one per process; so does every module imported
//    dynamically (it keeps its own file, with its own inlinable imports copied into it). Files
//    run as their own process or mounted into a container (STANDALONE) stay as tsc made them.
// 2. zod (3) and dockerode (CommonJS) are bundled and minified into dist/vendor/<name>.cjs, with
//    V8's code cache of each as qms uses it (VENDORED); tasks/cjs.ts loads a copy when it was
//    made from the package installed (else the package itself), with the cache when V8 accepts
//    it (else from the source).
// 3. qms's own code as a code-cached CommonJS build (cjs-build.mjs), from which the CLI runs;
//    the rewritten ES modules of step 1 then serve what runs dist/'s ES modules (the servers).
// Without rolldown (it comes with vitest's vite) the build keeps tsc's files: slower, the same.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { nodes } from './ast-nodes.mjs';
import { bundleCjs, keepChunkCaches, writeEntryModules } from './cjs-build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the CLI starts: the CLI, `qms list`, and the package entry a config imports. */
const ROOTS = ['tasks/cli/main.js', 'tasks/cli/commands/list.js', 'index.js'];
/**
 * Files that also run on their own: `node <file>` (the built-in servers' entry, the npm
 * scripts' engine and base-image entries), or mounted alone into a container (the egress
 * proxy, whose bytes are also part of its container's identity). They are never rewritten,
 * even when something imports them (what they import may be: it stays a working module).
 */
export const STANDALONE = [
  'plugins/mcp-server/serve-main.js',
  'plugins/docker-engine/engine-main.js',
  'plugins/docker-image/base-image-main.js',
  'plugins/container/egress/egress-proxy.js',
];

let rolldown, parseAst;
try {
  ({ rolldown } = await import('rolldown'));
  ({ parseAst } = await import('rolldown/parseAst'));
} catch {
  // reported by the command below; the exported functions need it
}

/** Evaluating this expression at load time makes no state and has no effect. */
function stateless(n) {
  switch (n?.type) {
    case 'Literal':
    case 'Identifier':
    case 'ArrowFunctionExpression':
    case 'FunctionExpression':
      return true;
    case 'TemplateLiteral':
      return n.expressions.every(stateless);
    case 'ArrayExpression':
      return n.elements.every((e) => e === null || stateless(e.type === 'SpreadElement' ? e.argument : e));
    case 'ObjectExpression':
      return n.properties.every((p) => (p.type === 'SpreadElement' ? stateless(p.argument) : p.kind === 'init' && !p.computed && stateless(p.value)));
    case 'MemberExpression':
      return stateless(n.object) && (!n.computed || stateless(n.property));
    case 'UnaryExpression':
      return n.operator !== 'delete' && stateless(n.argument);
    case 'BinaryExpression':
    case 'LogicalExpression':
      return stateless(n.left) && stateless(n.right);
    case 'ConditionalExpression':
      return stateless(n.test) && stateless(n.consequent) && stateless(n.alternate);
    default:
      return false;
  }
}

function statementOk(s) {
  switch (s.type) {
    case 'ImportDeclaration':
    case 'ExportAllDeclaration':
    case 'FunctionDeclaration':
      return true;
    case 'ExportNamedDeclaration':
      return s.declaration === null || s.declaration === undefined || statementOk(s.declaration);
    case 'ExportDefaultDeclaration':
      return s.declaration.type === 'FunctionDeclaration' || stateless(s.declaration);
    case 'VariableDeclaration':
      return s.kind === 'const' && s.declarations.every((d) => d.id.type === 'Identifier' && stateless(d.init));
    default:
      return false;
  }
}

const modules = new Map();
/**
 * A module's relative static and dynamic imports (absolute paths), and why it must stay one
 * shared file (undefined: a copy is harmless; `import.meta`'s value depends on the file it is in).
 */
function moduleInfo(file) {
  if (!modules.has(file)) {
    const src = readFileSync(file, 'utf8');
    const ast = parseAst(src, { sourceType: 'module' }, file);
    const all = [...nodes(ast)];
    const bad = ast.body.find((s) => !statementOk(s));
    const why = all.some((n) => n.type === 'MetaProperty') ? 'uses import.meta' : bad ? `top level: ${src.slice(bad.start, bad.end).split('\n')[0].slice(0, 70)}` : undefined;
    const relative = (sources) => sources.filter((source) => typeof source === 'string' && source.startsWith('.')).map((source) => resolve(dirname(file), source));
    const imports = relative(ast.body.filter((s) => s.type === 'ImportDeclaration' || ((s.type === 'ExportNamedDeclaration' || s.type === 'ExportAllDeclaration') && s.source)).map((s) => s.source.value));
    const dynamicImports = relative(all.filter((n) => n.type === 'ImportExpression' && n.source.type === 'Literal').map((n) => n.source.value));
    modules.set(file, { why, imports, dynamicImports });
  }
  return modules.get(file);
}

export const whyShared = (file) => moduleInfo(file).why;

/** The files of `dist` a bare `qms list` loads: the roots and what they import statically. */
function listModules(dist) {
  const seen = new Set();
  const todo = ROOTS.map((r) => join(dist, r));
  while (todo.length > 0) {
    const file = todo.pop();
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    todo.push(...moduleInfo(file).imports);
  }
  return seen;
}

/**
 * The files that stay, and which of them are rewritten: the roots, every shared module they
 * reach, and every module imported dynamically (a dynamic import keeps pointing at its file, so
 * that file is not also copied: one module would be two, and rolldown drops such an import);
 * what is reached from those, by static or dynamic imports, the same way. `rewrite` is `stay`
 * without the STANDALONE files.
 */
function filesThatStay(dist) {
  const stay = new Set(ROOTS.map((r) => join(dist, r)));
  const standalone = new Set(STANDALONE.map((r) => join(dist, r)));
  const seen = new Set();
  const todo = [...stay];
  while (todo.length > 0) {
    const file = todo.pop();
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    const { why, imports, dynamicImports } = moduleInfo(file);
    if (why) stay.add(file);
    todo.push(...imports, ...dynamicImports);
    for (const d of dynamicImports) if (existsSync(d)) stay.add(d);
  }
  for (const s of standalone) if (seen.has(s)) stay.add(s);
  return { stay, rewrite: [...stay].filter((f) => !standalone.has(f)) };
}

async function bundleInPlace(file, stay) {
  // Each input's mtime when it is resolved (before it is read), to compare once written.
  const inputs = new Map([[file, statSync(file).mtimeMs]]);
  const bundle = await rolldown({
    input: file,
    platform: 'node',
    logLevel: 'silent',
    // Node's built-in modules have no effect when imported: one whose bindings the copies do not
    // use is not loaded (our own shared modules are always imported as tsc's files import them).
    treeshake: { moduleSideEffects: (id, external) => !(external && id.startsWith('node:')) },
    plugins: [
      {
        name: 'qms-shared-modules',
        resolveDynamicImport: (source, importer) => (source.startsWith('.') ? { id: resolve(dirname(importer), source), external: true } : null),
        resolveId(source, importer) {
          if (!importer) return null;
          if (!source.startsWith('.')) return { id: source, external: true };
          const target = resolve(dirname(importer), source);
          if (target === file) return target;
          if (stay.has(target)) return { id: target, external: true };
          if (!inputs.has(target)) inputs.set(target, statSync(target).mtimeMs);
          return target;
        },
      },
    ],
  });
  const out = `${file}.bundle-${process.pid}`;
  await bundle.write({ file: out, format: 'esm' });
  await bundle.close();
  // Another build rewrote an input meanwhile: keep its files rather than a mix of two builds.
  if ([...inputs].some(([f, mtime]) => statSync(f).mtimeMs !== mtime)) {
    rmSync(out, { force: true });
    return 0;
  }
  renameSync(out, file);
  return inputs.size - 1;
}

/** The methods zod 3's ZodType constructor binds to each schema, in its order (`spa` is safeParseAsync). */
const ZOD_BOUND = ['parse', 'safeParse', 'parseAsync', 'safeParseAsync', 'spa', 'refine', 'refinement', 'superRefine', 'optional', 'nullable', 'nullish', 'array', 'promise', 'or', 'and', 'transform', 'brand', 'default', 'catch', 'describe', 'pipe', 'readonly', 'isNullable', 'isOptional'];

/**
 * Installed into the zod copy (its source text): each `[name, method]` becomes a getter on
 * `Type.prototype` that binds `method` to the schema read from and keeps it as the schema's own
 * `name`; a write makes it the schema's own too. Read from a prototype, it is the method itself.
 */
function bindOnFirstUse(Type, names) {
  const own = (obj, name, value) => Object.defineProperty(obj, name, { value, writable: true, enumerable: true, configurable: true });
  const methods = names.map(([name, method]) => [name, Type.prototype[method]]);
  for (const [name, fn] of methods) {
    Object.defineProperty(Type.prototype, name, {
      configurable: true,
      get() {
        return Object.hasOwn(this, '_def') ? own(this, name, fn.bind(this))[name] : fn;
      },
      set(value) {
        own(this, name, value);
      },
    });
  }
}

/**
 * The packages copied into dist/vendor (tasks/cjs.ts, VendoredPackage): when a copy fits (else
 * they load from node_modules), what stays outside it, and what to run of it before its code
 * cache is taken, so that what a run uses of it is in the cache.
 */
const VENDORED = {
  zod: {
    fits: (version) => version.startsWith('3.') || 'zod is not version 3',
    license: 'MIT License, Copyright (c) 2025 Colin McDonnell',
    external: {},
    // Every schema zod 3 makes binds 25 of its methods to itself in its constructor (so that
    // `const { parse } = schema` works): half of making a schema, and qms makes ~150 before
    // `qms list` prints. The copy binds each on first use instead, through a getter on
    // ZodType.prototype that leaves the bound method on the schema: the same function on every
    // read, assignable, as before. No subclass defines any of these names (zod 3.25's source);
    // an edit whose text is gone is reported by the build, and the test compares the copy's
    // schemas with zod's, detached methods included.
    edits: [
      { file: /zod[\\/]v3[\\/]types\.cjs$/, from: `this.spa = this.safeParseAsync;\n        this._def = def;\n${ZOD_BOUND.map((m) => `        this.${m} = this.${m}.bind(this);\n`).join('')}`, to: 'this._def = def;\n' },
      { file: /zod[\\/]v3[\\/]types\.cjs$/, from: 'exports.ZodType = ZodType;\n', to: `exports.ZodType = ZodType;\n(${bindOnFirstUse})(ZodType, ${JSON.stringify(ZOD_BOUND.map((m) => [m, m === 'spa' ? 'safeParseAsync' : m]))});\n` },
    ],
    exercise: exerciseZod,
  },
  dockerode: {
    fits: () => true,
    license: 'Apache License 2.0, with docker-modem (Apache License 2.0) and their MIT-licensed dependencies',
    // What dockerode-extras.ts stands in for until first use (by the package requiring it): they
    // stay the installed packages.
    external: { '@grpc/grpc-js': 'dockerode', '@grpc/proto-loader': 'dockerode', uuid: 'dockerode', 'tar-fs': 'dockerode', ssh2: 'docker-modem' },
    // docker-modem formats every request with util.inspect (showHidden, no depth limit) for a
    // debug line even when that is off: ~0.2 ms a request. The copy formats it only when on.
    // https (with tls and crypto) and zlib cost ~8 ms to load and serve only an https engine and a
    // gzipped build context (qms streams its own): the copy loads them on first use.
    edits: [
      { file: /docker-modem[\\/]lib[\\/]modem\.js$/, from: "debug('Sending: %s', util.inspect(", to: "debug.enabled && debug('Sending: %s', util.inspect(" },
      { file: /docker-modem[\\/]lib[\\/]http\.js$/, from: "var nativeHttps = require('https'),", to: "var nativeHttps = new Proxy({}, { get: (_, key) => require('https')[key] })," },
      { file: /dockerode[\\/]lib[\\/]util\.js$/, from: "var zlib = require('zlib');", to: "var zlib = { createGzip: (...args) => require('zlib').createGzip(...args) };" },
    ],
    exercise: exerciseDockerode,
  },
  commander: {
    fits: () => true,
    license: 'MIT License, Copyright (c) 2011 TJ Holowaychuk',
    external: {},
    exercise: exerciseCommander,
  },
};

/**
 * dist/vendor/<name>.cjs for each of VENDORED (+ <name>.json, + its code cache); returns what
 * was done. A package whose stand-ins (external) would resolve elsewhere from the copy than
 * from the package itself is not copied.
 */
export async function vendorPackages(dist) {
  const vendor = join(dist, 'vendor');
  rmSync(vendor, { recursive: true, force: true });
  mkdirSync(vendor, { recursive: true });
  const fromRoot = createRequire(join(root, 'package.json'));
  const fromCopy = createRequire(join(vendor, 'copy.cjs'));
  const done = [];
  for (const [name, p] of Object.entries(VENDORED)) {
    const manifest = manifestOf(fromRoot, name);
    const version = JSON.parse(readFileSync(manifest, 'utf8')).version;
    const fits = p.fits(version);
    const external = Object.keys(p.external);
    const fromOwner = (owner) => createRequire(resolvesFrom(createRequire(manifest), `${owner}/package.json`) ?? manifest);
    const moved = external.find((id) => resolvesFrom(fromCopy, id) !== resolvesFrom(fromOwner(p.external[id]), id));
    if (fits !== true || moved) {
      done.push(`${name}: ${fits === true ? `${moved} resolves elsewhere from dist/vendor` : fits}, loaded from node_modules`);
      continue;
    }
    const edited = [];
    const bundle = await rolldown({
      input: fromRoot.resolve(name),
      platform: 'node',
      logLevel: 'silent',
      external: (id) => external.some((e) => id === e || id.startsWith(`${e}/`)),
      plugins: [{ name: 'qms-vendor-edits', transform: (code, id) => editSource(p.edits ?? [], code, id, edited) }],
    });
    const banner = `/* ${name} ${version} (${p.license}), bundled from node_modules/${name} by qms's scripts/startup-bundles.mjs */`;
    await bundle.write({ file: join(vendor, `${name}.cjs`), format: 'cjs', minify: true, banner });
    await bundle.close();
    // tasks/cjs.ts compares this version with the one in `manifest` (relative to the copy).
    writeFileSync(join(vendor, `${name}.json`), `${JSON.stringify({ version, manifest: relative(vendor, manifest).split(sep).join('/') })}\n`);
    const skipped = (p.edits ?? []).filter((e) => !edited.includes(e)).map((e) => ` (edit not applied, its text is gone: ${e.from})`);
    done.push(`${name} ${version} -> ${relative(root, join(vendor, `${name}.cjs`))}${await keepCodeCache(dist, name, p.exercise)}${skipped.join('')}`);
  }
  return done.join('; ');
}

/** `code` of module `id` with the edits meant for it made (each once; `edited` gets those made), or null: unchanged. */
function editSource(edits, code, id, edited) {
  let out = code;
  for (const e of edits) {
    if (!e.file.test(id) || !out.includes(e.from)) continue;
    out = out.replace(e.from, e.to);
    edited.push(e);
  }
  return out === code ? null : out;
}

/** The package.json of package `name` (through its exports when it lists itself, else up from its entry: commander does not). */
function manifestOf(req, name) {
  const listed = resolvesFrom(req, `${name}/package.json`);
  if (listed) return listed;
  for (let dir = dirname(req.resolve(name)); dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).name === name) return file;
  }
  throw new Error(`startup-bundles: no package.json found for ${name}`);
}

function resolvesFrom(req, id) {
  try {
    return req.resolve(id);
  } catch {
    return undefined;
  }
}

/** V8's code cache of the copy of `name` after `exercise` ran it the way qms does. */
async function keepCodeCache(dist, name, exercise) {
  const cjs = await import(pathToFileURL(join(dist, 'tasks/cjs.js')).href);
  await exercise(dist, cjs);
  const cache = cjs.vendoredCodeCache(name);
  if (!cache) return ' (no code cache: the copy was not loaded)';
  const { codeCacheOf } = await import(pathToFileURL(join(dist, 'tasks/startup/code-cache.js')).href);
  const file = codeCacheOf(join(dist, 'vendor', `${name}.cjs`));
  writeFileSync(`${file}.tmp`, cache);
  renameSync(`${file}.tmp`, file);
  return ` with a ${Math.round(cache.length / 1024)} kB code cache`;
}

/** zod as `qms list` runs it: checking a config like qms's own and two bad ones. */
async function exerciseZod(dist) {
  const url = (f) => pathToFileURL(join(dist, f)).href;
  const { validateUserConfig } = await import(url('tasks/config/validate-config.js'));
  const q = await import(url('index.js'));
  const config = q.defineConfig({
    agents: ['claude'],
    plugins: [q.dockerEngine(), q.auth(), q.dockerImage({ context: 'docker' }), q.qmsMcp({ port: 8000 }), q.gitMcp({ port: 8001 }), q.session(), q.container({ after: ['session'] }), q.verify(), q.api()],
    tasks: [{ name: 'compile', description: 'compile', dependsOn: ['build'], run: async () => {} }],
    chains: { up: ['engine', 'verify'] },
  });
  validateUserConfig(config, 'qms.config.ts');
  for (const bad of [() => q.container({ agnet: 1 }), () => q.qmsMcp({ port: 'x' }), () => validateUserConfig({ taks: [], tasks: [{ name: '' }] }, 'qms.config.ts')]) {
    try {
      bad();
    } catch {
      // the error paths are what is being compiled
    }
  }
}

/** dockerode as `qms up` calls it, against a socket that is not there (no engine is needed). */
async function exerciseDockerode(dist, cjs) {
  const { deferDockerodeExtras } = await import(pathToFileURL(join(dist, 'plugins/docker-engine/dockerode-extras.js')).href);
  deferDockerodeExtras();
  const Docker = cjs.loadVendored('dockerode');
  const docker = new Docker({ socketPath: join(dist, 'vendor', 'no-engine.sock') });
  const container = docker.getContainer('qms-build');
  const calls = [docker.ping(), docker.version(), container.inspect(), container.exec({ Cmd: ['true'], AttachStdout: true }), docker.getImage('qms').inspect(), docker.getNetwork('qms').inspect(), docker.getVolume('qms').inspect(), docker.listContainers({ all: true })];
  await Promise.allSettled(calls);
}

/** commander as the CLI uses it (tasks/cli/main.ts): a program with global options and commands, parsing `qms up` and a usage error. */
async function exerciseCommander(_dist, cjs) {
  const { Command, Option, InvalidArgumentError } = cjs.loadVendored('commander');
  const positiveInt = (v) => {
    if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError('expected a positive integer');
    return Number(v);
  };
  const program = () => {
    const p = new Command('qms')
      .description('qms')
      .version('0.0.0', '-V, --version', 'print the version')
      .option('-c, --config <path>', 'config file')
      .option('--json', 'NDJSON')
      .option('-n, --dry-run', 'plan only')
      .option('-j, --concurrency <n>', 'tasks at once', positiveInt)
      .option('-k, --keep-going', 'keep going')
      .option('--force', 'redo')
      .addOption(new Option('--output <mode>', 'output').choices(['full', 'failed', 'none']))
      .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
      .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
      .showHelpAfterError('(run with --help for usage)')
      .exitOverride();
    const seen = [];
    p.command('up').argument('[agents...]', 'agents').option('--no-attach', 'no attach').option('--start-engine', 'start').action(function () {
      seen.push([this.args, this.opts(), this.optsWithGlobals()]);
    });
    p.command('down').argument('[agents...]', 'agents').option('--volumes', 'volumes').action(function () {
      seen.push([this.args, this.optsWithGlobals()]);
    });
    p.command('task').argument('<names...>', 'names').action(function () {
      seen.push(this.args);
    });
    return p;
  };
  for (const argv of [['up', '--no-attach', '--json'], ['--json', 'down', 'qa', '--volumes'], ['task', 'build', '-j', '2'], ['up', '--frob']]) {
    await program().parseAsync(['node', 'qms', ...argv]).catch(() => undefined);
  }
}

/** Rewrites the files the CLI loads under `dist` with their inlinable imports inside; returns what was done. */
export async function inlineStartupModules(dist) {
  const { stay, rewrite } = filesThatStay(dist);
  let inlined = 0;
  for (const file of rewrite) inlined += await bundleInPlace(file, stay);
  return `${rewrite.length} files carry ${inlined} inlined module copies`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dist = resolve(process.argv[2] ?? join(root, 'dist'));
  if (!rolldown) {
    console.log("startup-bundles: rolldown is not installed; dist/ keeps tsc's files (a slower start, the same behaviour)");
  } else if (!existsSync(join(dist, ROOTS[0]))) {
    console.error(`startup-bundles: ${join(dist, ROOTS[0])} is missing: run tsc first`);
    process.exitCode = 1;
  } else {
    // The CommonJS build reads tsc's files, so it goes first; its package entries replace tsc's
    // last, once the vendored copies' caches are made (their run imports tsc's index.js).
    const cjs = await bundleCjs(dist, rolldown, parseAst, listModules(dist));
    const done = [await inlineStartupModules(dist), await vendorPackages(dist)];
    await writeEntryModules(dist, cjs.entries);
    const caches = await keepChunkCaches(dist);
    done.push(`CommonJS build -> dist/cjs/: ${caches.failed ? `no code cache (the run that makes them failed: ${caches.failed})` : `${caches.all} files with a code cache (${caches.ran} of them as a run used them)`}`);
    console.log(`startup-bundles: ${done.join('; ')}`);
  }
}
