/**
 * Instruments esbuild's CommonJS output of a scenario so the runtime can stop
 * a runaway script and name its line (runaway protection, docs/scenario-api.md):
 *
 * - every loop body starts with `__iopf_l(id)`;
 * - every function body becomes `__iopf_e(id); try { … } finally { __iopf_x() }`
 *   (arrow expression bodies become blocks that return the expression), so the
 *   guard knows when script code is entered from the engine and left again;
 * - `await X` becomes `__iopf_r(await __iopf_w(X))` and `yield X` likewise, so
 *   suspensions leave the script and resumptions re-enter it;
 * - `for await (… of X)` iterates `__iopf_fa(X)`, which does the same around
 *   each `next()`;
 * - a statement that makes a call is preceded by `__iopf_n[0]=N;` (N its line
 *   in the scenario); a call elsewhere on another line or in code that runs
 *   again (a loop's test, an arrow's expression body) becomes
 *   `(__iopf_n[0]=N,f(…))`; an await stores its line again when it resumes.
 *   So the engine knows which line of the scenario a call into the API came
 *   from (TraceEvent.line; src/core/trace/line-tracker.ts);
 * - `require("iopf")` (what esbuild makes of `import … from 'iopf'`) becomes
 *   `__iopf_api` and `import('iopf')` a promise of it; an import of any other
 *   module is reported, with the position of its name, before anything runs.
 *
 * Only code that the source map traces back to the scenario is instrumented
 * (esbuild's own helper prologue is left alone). The edits are kept so a
 * position in the instrumented code maps back to esbuild's output and from
 * there, through esbuild's source map, to the scenario.
 */
import { parse, type Node } from 'acorn';
import { lineStarts, positionOf, type SourceMapIndex } from './source-map';
import { GUARD_NAMES } from './wrapper';

/** What a guard id stands for: a loop or a function of the scenario, at a 1-based line and column. */
export interface GuardSite {
  readonly kind: 'loop' | 'function';
  readonly line: number;
  readonly column: number;
}

/** An import of a module other than 'iopf', at a 1-based line and column of the scenario. */
export interface ForbiddenImport {
  readonly module: string;
  readonly line: number;
  readonly column: number;
}

export interface Instrumented {
  readonly code: string;
  /** Flat [start, end, newLength] triples in esbuild-output offsets, in output order. */
  readonly edits: readonly number[];
  /** Index = guard id; id 0 is unused (a zeroed heartbeat means "no script code ran yet"). */
  readonly guards: readonly (GuardSite | null)[];
  readonly forbiddenImports: readonly ForbiddenImport[];
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** Closers sort before openers at the same offset; closers deepest first, openers shallowest first. */
  readonly closer: boolean;
  readonly depth: number;
  readonly seq: number;
}

type AnyNode = Node & Record<string, unknown>;

/** The line slot's name in the instrumented code: an Int32Array whose [0] is the line of the call being made. */
export const LINE_SLOT = '__iopf_n';

/** Depth of a replacing edit: after every opener at its start (which wraps the replaced node). */
const REPLACEMENT = Number.MAX_SAFE_INTEGER;

const LOOPS = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement']);
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);
/** Nodes holding a list of statements, and the key of the list: a store can go before any of them. */
const STATEMENT_LISTS: Readonly<Record<string, string>> = { Program: 'body', BlockStatement: 'body', StaticBlock: 'body', SwitchCase: 'consequent' };

/**
 * Whether `node` makes a call somewhere inside it; nested functions count too
 * (an overestimate only costs a store). With `evaluating`: whether evaluating
 * it makes a call or suspends (nested functions do not count: they run later).
 */
function containsCall(node: unknown, evaluating = false): boolean {
  if (Array.isArray(node)) return node.some((n) => containsCall(n, evaluating));
  if (!isNode(node)) return false;
  const t = node.type;
  if (t === 'CallExpression' || t === 'NewExpression' || t === 'TaggedTemplateExpression') return true;
  if (evaluating && (t === 'AwaitExpression' || t === 'YieldExpression')) return true;
  if (evaluating && FUNCTIONS.has(t)) return false;
  for (const key of Object.keys(node)) if (key !== 'type' && key !== 'start' && key !== 'end' && containsCall(node[key], evaluating)) return true;
  return false;
}

/**
 * @param js esbuild's CommonJS output
 * @param map its source map
 * @param source the scenario source (TypeScript), to tell an import from a require() call
 * @param options.guards false: resolve imports only (the uninstrumented baseline of guard-overhead.ts); no line stores either
 * @param options.lines false: no line stores (to measure what they cost)
 */
export function instrument(js: string, map: SourceMapIndex, source: string, options: { guards?: boolean; lines?: boolean } = {}): Instrumented {
  const guarded = options.guards !== false;
  const lines = guarded && options.lines !== false;
  const ast = parse(js, { ecmaVersion: 'latest', sourceType: 'script', preserveParens: true }) as unknown as AnyNode;
  const jsLines = lineStarts(js);
  const srcLines = lineStarts(source);
  const edits: Edit[] = [];
  const guards: (GuardSite | null)[] = [null];
  const forbiddenImports: ForbiddenImport[] = [];
  let seq = 0;

  const original = (offset: number): { line: number; column: number } | undefined => {
    const p = positionOf(jsLines, offset);
    return map.originalFor(p.line, p.column);
  };
  const add = (start: number, text: string, depth: number, closer: boolean, end = start): void => {
    edits.push({ start, end, text, closer, depth, seq: seq++ });
  };
  const site = (kind: GuardSite['kind'], offset: number): number | undefined => {
    const o = original(offset);
    if (!o) return undefined;
    guards.push({ kind, line: o.line, column: o.column + 1 });
    return guards.length - 1;
  };

  /**
   * @param covered the line a statement store has already put in the slot for
   *   this node's code (0: none), so its calls on that line need no store of their own
   */
  const visit = (node: AnyNode, depth: number, siteStart: number, parent: AnyNode | null, covered: number): void => {
    const type = node.type;
    if (lines && type === 'CallExpression') storeCallLine(node, depth, parent, covered);
    if (!guarded) {
      // measurement baseline (guard-overhead.ts): imports only
    } else if (FUNCTIONS.has(type)) instrumentFunction(node, depth, siteStart);
    else if (LOOPS.has(type)) instrumentLoop(node, depth);
    else if (type === 'AwaitExpression') wrapSuspension(node, depth, 6);
    else if (type === 'YieldExpression') wrapSuspension(node, depth, node.delegate ? 6 : 5);
    if (type === 'CallExpression') checkRequire(node);
    else if (type === 'ImportExpression') checkDynamicImport(node);
    // Code that runs later or repeatedly is not covered by the enclosing statement's store.
    const inner = FUNCTIONS.has(type) || type === 'ClassBody' ? 0 : covered;
    const listKey = lines ? STATEMENT_LISTS[type] : undefined;
    for (const key of Object.keys(node)) {
      if (key === 'type' || key === 'start' || key === 'end') continue;
      const value = node[key];
      // A method's guard names the line of its key (`async main(ctx) {`), not of its parameter list.
      const childSite = (type === 'Property' || type === 'MethodDefinition') && key === 'value' ? node.start : -1;
      const childCovered = LOOPS.has(type) && key !== 'init' && key !== 'right' ? 0 : inner;
      if (Array.isArray(value)) {
        for (const v of value) {
          if (!isNode(v)) continue;
          const line = key === listKey ? storeStatementLine(v, depth + 1) : 0;
          visit(v, depth + 1, -1, node, line || childCovered);
        }
      } else if (isNode(value)) visit(value, depth + 1, childSite, node, childCovered);
    }
  };

  /** `stmt` → `__iopf_n[0]=N;stmt` for a statement of a list that makes a call; returns N (0: no store). */
  const storeStatementLine = (stmt: AnyNode, depth: number): number => {
    if (stmt.type === 'FunctionDeclaration' || stmt.type === 'ClassDeclaration' || !containsCall(stmt)) return 0;
    const o = original(stmt.start);
    if (!o) return 0;
    add(stmt.start, `${LINE_SLOT}[0]=${o.line};`, depth, false);
    return o.line;
  };

  /**
   * A call the statement store does not cover — on another line of a
   * multi-line statement, in a loop's test or update, in an arrow's expression
   * body, in an `if` branch without braces — becomes `(__iopf_n[0]=N,f(…))`.
   * Only the outermost call of a chain (`a().b()` stores once, before `a`):
   * wrapping an inner link would break optional chaining (`a?.b().c()`).
   * A call whose arguments make calls or await on other lines stores its line
   * again after them: `f(x, [last, __iopf_n[0]=N][0])`.
   */
  const storeCallLine = (call: AnyNode, depth: number, parent: AnyNode | null, covered: number): void => {
    if (parent && (parent.type === 'MemberExpression' || parent.type === 'CallExpression' || parent.type === 'NewExpression') && parent[parent.type === 'MemberExpression' ? 'object' : 'callee'] === call) return;
    const callee = call.callee as AnyNode;
    if (callee.type === 'Identifier' && callee.name === 'require') return; // replaced or reported below
    // The callee's last character: esbuild's `(0, import_iopf.f)(…)` maps through `f`, and
    // `expect(x)\n  .toBe(y)` is the assertion on the line of `.toBe`.
    const o = original(callee.end - 1) ?? original(call.start);
    if (!o) return;
    if (o.line !== covered) {
      add(call.start, `(${LINE_SLOT}[0]=${o.line},`, depth, false);
      add(call.end, ')', depth, true);
    }
    const args = call.arguments as AnyNode[];
    const last = args[args.length - 1];
    if (!last || !containsCall(args, true)) return;
    const end = original(last.end);
    if (!end || end.line === o.line) return;
    const value = last.type === 'SpreadElement' ? (last.argument as AnyNode) : last;
    // Between the call's depth and its arguments': inside the call's own wrap, around the argument's.
    add(value.start, '[', depth + 0.5, false);
    add(value.end, `,${LINE_SLOT}[0]=${o.line}][0]`, depth + 0.5, true);
  };

  const instrumentFunction = (fn: AnyNode, depth: number, siteStart: number): void => {
    const id = site('function', siteStart >= 0 ? siteStart : fn.start);
    if (id === undefined) return;
    const body = fn.body as AnyNode;
    if (body.type === 'BlockStatement') {
      const stmts = body.body as AnyNode[];
      let at = body.start + 1;
      for (const s of stmts) {
        if (s.type === 'ExpressionStatement' && typeof s.directive === 'string') at = s.end;
        else break;
      }
      add(at, `${GUARD_NAMES.enter}(${id});try{`, depth, false);
      add(body.end - 1, `}finally{${GUARD_NAMES.exit}()}`, depth, true);
    } else {
      add(body.start, `{${GUARD_NAMES.enter}(${id});try{return `, depth, false);
      add(body.end, `}finally{${GUARD_NAMES.exit}()}}`, depth, true);
    }
  };

  const instrumentLoop = (loop: AnyNode, depth: number): void => {
    const id = site('loop', loop.start);
    if (id === undefined) return;
    if (loop.type === 'ForOfStatement' && loop.await === true) {
      const right = loop.right as AnyNode;
      add(right.start, `${GUARD_NAMES.forAwait}(`, depth, false);
      add(right.end, ')', depth, true);
    }
    const body = loop.body as AnyNode;
    if (body.type === 'BlockStatement') add(body.start + 1, `${GUARD_NAMES.loop}(${id});`, depth, false);
    else {
      add(body.start, `{${GUARD_NAMES.loop}(${id});`, depth, false);
      add(body.end, '}', depth, true);
    }
  };

  /**
   * `await X` → `__iopf_r(await __iopf_w(X),__iopf_n[0]=N)`; `yield` and
   * `yield*` alike. The resumed code stores its line again: other script code
   * ran while it was suspended.
   */
  const wrapSuspension = (node: AnyNode, depth: number, keywordLength: number): void => {
    const o = original(node.start);
    if (!o) return;
    const arg = node.argument as AnyNode | null;
    add(node.start, `${GUARD_NAMES.resume}(`, depth, false);
    if (arg) {
      add(arg.start, `${GUARD_NAMES.suspend}(`, depth, false);
      add(arg.end, ')', depth, true);
    } else add(node.start + keywordLength, ` ${GUARD_NAMES.suspend}()`, depth, true);
    add(node.end, lines ? `,${LINE_SLOT}[0]=${o.line})` : ')', depth, true);
  };

  const checkRequire = (call: AnyNode): void => {
    const callee = call.callee as AnyNode;
    const args = call.arguments as AnyNode[];
    if (callee.type !== 'Identifier' || callee.name !== 'require' || args.length !== 1) return;
    const arg = args[0]!;
    if (arg.type !== 'Literal' || typeof arg.value !== 'string') return;
    if (arg.value === 'iopf') {
      add(call.start, GUARD_NAMES.api, REPLACEMENT, false, call.end);
      return;
    }
    // esbuild turns `import … from 'x'` and `export … from 'x'` into require("x") mapped to
    // the 'x' of the import; a require() the scenario wrote itself maps to `require` and is
    // left to fail when it runs, like any other use of `require`.
    const o = original(call.start);
    if (!o) return;
    const at = srcLines[o.line - 1]! + o.column;
    if (!source.startsWith('require', at)) forbiddenImports.push({ module: arg.value, line: o.line, column: o.column + 1 });
  };

  /** `import('iopf')` → a promise of the API; any other dynamic import is reported. */
  const checkDynamicImport = (node: AnyNode): void => {
    const o = original(node.start);
    const src = node.source as AnyNode;
    if (src.type === 'Literal' && src.value === 'iopf') {
      add(node.start, `Promise.resolve(${GUARD_NAMES.api})`, REPLACEMENT, false, node.end);
      return;
    }
    const module = src.type === 'Literal' && typeof src.value === 'string' ? src.value : '(a computed name)';
    forbiddenImports.push({ module, line: o?.line ?? 0, column: o ? o.column + 1 : 0 });
  };

  visit(ast, 0, -1, null, 0);
  return apply(js, edits, guards, forbiddenImports);
}

function isNode(v: unknown): v is AnyNode {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

function apply(js: string, edits: Edit[], guards: (GuardSite | null)[], forbiddenImports: ForbiddenImport[]): Instrumented {
  edits.sort(
    (a, b) =>
      a.start - b.start ||
      (a.closer === b.closer ? 0 : a.closer ? -1 : 1) ||
      (a.closer ? b.depth - a.depth : a.depth - b.depth) ||
      a.seq - b.seq,
  );
  const parts: string[] = [];
  const flat: number[] = [];
  let at = 0;
  for (const e of edits) {
    if (e.start < at) continue; // inside a replaced range (cannot happen with esbuild output; be safe)
    parts.push(js.slice(at, e.start), e.text);
    flat.push(e.start, e.end, e.text.length);
    at = e.end;
  }
  parts.push(js.slice(at));
  return { code: parts.join(''), edits: flat, guards, forbiddenImports };
}
