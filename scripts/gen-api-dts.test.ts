import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without type declarations
import { generateApiDts } from './gen-api-dts.mjs';

const root = join(__dirname, '..');
const dtsPath = join(root, 'resources/types/iopf.d.ts');

/** Type-checks scenario sources against the generated iopf.d.ts only (as Monaco and `iopf check` do). */
function check(sources: Record<string, string>): string[] {
  const files = new Map<string, string>([['/iopf.d.ts', readFileSync(dtsPath, 'utf8')], ...Object.entries(sources)]);
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts'], types: [] };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (f) => files.get(f) ?? read(f);
  host.fileExists = (f) => files.has(f) || ts.sys.fileExists(f);
  const getSource = host.getSourceFile.bind(host);
  host.getSourceFile = (f, v) => (files.has(f) ? ts.createSourceFile(f, files.get(f)!, v) : getSource(f, v));
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('the generated scenario typings', () => {
  it('are up to date with the API source (regenerate with node scripts/gen-api-dts.mjs)', () => {
    expect(readFileSync(dtsPath, 'utf8')).toBe(generateApiDts());
  });

  it('type-check every example scenario with no error', () => {
    const dir = join(root, 'resources/scenarios');
    const sources = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => [`/${f}`, readFileSync(join(dir, f), 'utf8')]));
    expect(check(sources)).toEqual([]);
  });

  it('report a misuse of the API as a type error', () => {
    const errors = check({
      '/bad.ts': "import { IOMMU_HWPT_ALLOC, scenario } from 'iopf';\nexport default scenario({ name: 'x', main() { IOMMU_HWPT_ALLOC(3, { dev_id: 'one', pt_id: 1 }); } });\n",
    });
    expect(errors.join('\n')).toMatch(/bad\.ts: Type 'string' is not assignable to type 'number'/);
  });
});
