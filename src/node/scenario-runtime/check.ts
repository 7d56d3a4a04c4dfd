/**
 * `iopf check`: type-checks a scenario with the TypeScript compiler API
 * against the `.d.ts` of the scenario API, in memory (no tsconfig, no files
 * written). The scenario sees the ES2022 library and 'iopf' only: no DOM, no
 * Node types, so `process` or `import … from 'fs'` are type errors too.
 *
 * The `.d.ts` is either a module (`export declare function scenario…`), which
 * 'iopf' resolves to, or declares `declare module 'iopf' { … }` itself.
 * The first check in a process costs a few hundred ms (loading the compiler
 * and the ES library); the library's parsed files are reused afterwards.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import ts from 'typescript';
import { DENIED_GLOBALS, importMessage } from './errors';

export interface ScenarioDiagnostic {
  /** The scenario file as the caller named it (or the path of the `.d.ts` for an error there). */
  readonly file: string;
  /** 1-based; 0 for a diagnostic without a position (compiler options). */
  readonly line: number;
  /** 1-based; 0 without a position. */
  readonly column: number;
  readonly message: string;
  /** TypeScript's error number (2322 for "Type 'string' is not assignable to type 'number'"). */
  readonly code: number;
  readonly category: 'error' | 'warning' | 'suggestion' | 'message';
}

export interface CheckOptions {
  /** The `.d.ts` of the scenario API (resources/types/iopf.d.ts when generated). */
  readonly typesPath: string;
}

/** `file:line:col: message`. */
export function formatDiagnostic(d: ScenarioDiagnostic): string {
  return d.line > 0 ? `${d.file}:${d.line}:${d.column}: ${d.message}` : `${d.file}: ${d.message}`;
}

/** Where the scenario lives in the in-memory file system. */
const SCENARIO_DIR = '/__iopf_check__';

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  types: [],
  noEmit: true,
  skipLibCheck: true,
  isolatedModules: true,
  allowJs: true,
  checkJs: true,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
};

/** Parsed ES library files, reused by every check in this process. */
const libFiles = new Map<string, ts.SourceFile>();

export function checkScenario(source: string, filename: string, options: CheckOptions): ScenarioDiagnostic[] {
  const isJs = /\.[cm]?js$/.test(filename);
  const scenarioPath = `${SCENARIO_DIR}/scenario.${isJs ? 'js' : 'ts'}`;
  const typesPath = options.typesPath;
  const typesText = readFileSync(typesPath, 'utf8');
  const ambient = /declare\s+module\s+['"]iopf['"]/.test(typesText);
  const libDir = dirname(ts.getDefaultLibFilePath(COMPILER_OPTIONS));

  const readFile = (f: string): string | undefined => {
    if (f === scenarioPath) return source;
    if (f === typesPath) return typesText;
    return f.startsWith(libDir) && existsSync(f) ? readFileSync(f, 'utf8') : undefined;
  };

  const host: ts.CompilerHost = {
    getSourceFile(fileName, languageVersion) {
      if (fileName === scenarioPath) return ts.createSourceFile(fileName, source, languageVersion, true);
      if (fileName === typesPath) return ts.createSourceFile(fileName, typesText, languageVersion, true);
      const cached = libFiles.get(fileName);
      if (cached) return cached;
      const text = readFile(fileName);
      if (text === undefined) return undefined;
      const sf = ts.createSourceFile(fileName, text, languageVersion, false);
      libFiles.set(fileName, sf);
      return sf;
    },
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    getDefaultLibLocation: () => libDir,
    writeFile: () => {},
    getCurrentDirectory: () => SCENARIO_DIR,
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (f) => readFile(f) !== undefined,
    readFile,
    directoryExists: (d) => d === SCENARIO_DIR || d === libDir || d === dirname(typesPath),
    getDirectories: () => [],
    resolveModuleNameLiterals: (literals) =>
      literals.map((lit) =>
        lit.text === 'iopf' && !ambient
          ? { resolvedModule: { resolvedFileName: typesPath, extension: ts.Extension.Dts, isExternalLibraryImport: false } }
          : { resolvedModule: undefined },
      ),
  };

  const program = ts.createProgram({ rootNames: ambient ? [scenarioPath, typesPath] : [scenarioPath], options: COMPILER_OPTIONS, host });
  return ts.getPreEmitDiagnostics(program).map((d) => toDiagnostic(d, scenarioPath, filename));
}

function toDiagnostic(d: ts.Diagnostic, scenarioPath: string, filename: string): ScenarioDiagnostic {
  let message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  const category = (['warning', 'error', 'suggestion', 'message'] as const)[d.category] ?? 'error';
  if (!d.file || d.start === undefined) return { file: filename, line: 0, column: 0, message, code: d.code, category };
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  const inScenario = d.file.fileName === scenarioPath;
  if (inScenario) message = sandboxMessage(d, message);
  return { file: inScenario ? filename : d.file.fileName, line: line + 1, column: character + 1, message, code: d.code, category };
}

/**
 * TypeScript suggests installing @types/node for `process` or an import of
 * 'fs'; in a scenario the answer is that they do not exist: say so, with the
 * runtime's own words.
 */
function sandboxMessage(d: ts.Diagnostic, message: string): string {
  const text = d.file!.text;
  const at = d.start!;
  const quote = text[at];
  if ((quote === "'" || quote === '"') && /^(Cannot find (module|name))/.test(message)) {
    const end = text.indexOf(quote, at + 1);
    if (end > at) return importMessage(text.slice(at + 1, end));
  }
  const name = /^Cannot find name '([^']+)'/.exec(message)?.[1];
  return name !== undefined && Object.hasOwn(DENIED_GLOBALS, name) ? DENIED_GLOBALS[name]! : message;
}

