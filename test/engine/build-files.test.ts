/** What `npm run build` compiles into dist/: the package's sources, never tests, their helpers or fixtures. */
import { describe, expect, it } from 'vitest';
import { relative, resolve } from 'node:path';
import ts from 'typescript';

const repoRoot = resolve(import.meta.dirname, '..', '..');

describe('tsconfig.build.json', () => {
  it('emits no test code: no *.test.ts, no test/ folder anywhere, no hostile corpus', () => {
    const configFile = resolve(repoRoot, 'tsconfig.build.json');
    const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } })!;
    // The program, not just the include list: a source importing a test helper would pull it in despite `exclude`.
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
    const emitted = program
      .getSourceFiles()
      .filter((f) => !program.isSourceFileFromExternalLibrary(f) && !f.isDeclarationFile)
      .map((f) => relative(repoRoot, f.fileName));
    expect(emitted).toContain('plugins/git-mcp/serve.ts');
    expect(emitted).toContain('index.ts');
    expect(emitted.filter((f) => /(^|\/)test\/|\.test\.ts$|hostile-corpus/.test(f))).toEqual([]);
  });
});
