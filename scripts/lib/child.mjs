// @ts-check
// Child-process and console helpers shared by the postinstall steps.
import { spawn } from 'node:child_process';

/** Every line this script prints starts with this, so it stands out in npm's output. */
export const TAG = '[iopf postinstall]';

export const say = (/** @type {string} */ line) => console.log(`${TAG} ${line}`);

/** Prints a framed block, so a warning is not lost among npm's own lines. */
export function warnBlock(/** @type {string[]} */ lines) {
  const rule = `${TAG} ${'-'.repeat(72)}`;
  console.warn([rule, ...lines.map((l) => `${TAG} ${l}`), rule].join('\n'));
}

/**
 * @typedef {object} RunResult
 * @property {boolean} ok        exit code 0
 * @property {boolean} timedOut  killed after timeoutMs
 * @property {string} output     stdout and stderr, interleaved
 */

/**
 * Runs `node <args>` quietly: the child's output is captured, not shown, so a
 * failed download prints our one explanation instead of a stack trace. The
 * child is killed after `timeoutMs` so an install never hangs on a dead network.
 * @param {string[]} args
 * @param {{ cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number }} options
 * @returns {Promise<RunResult>}
 */
export function runNode(args, { cwd, env, timeoutMs }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    const collect = (/** @type {Buffer} */ chunk) => {
      // Keep the tail only: enough to quote the error, bounded if the child is chatty.
      output = (output + chunk.toString()).slice(-64 * 1024);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, timedOut, output: `${output}\n${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0 && !timedOut, timedOut, output });
    });
  });
}

/**
 * The one line of a failed child's output worth quoting, e.g.
 * "getaddrinfo ENOTFOUND github.com" out of a 20-line stack trace or
 * prebuild-install's "prebuild-install warn install <message>".
 * @param {RunResult} result
 * @param {number} timeoutMs
 */
export function failureCause(result, timeoutMs) {
  if (result.timedOut) return `timed out after ${Math.round(timeoutMs / 1000)} s`;
  const lines = result.output.split('\n').map((l) => l.trim()).filter(Boolean);
  const prebuild = lines.filter((l) => /^prebuild-install (warn|err|ERR!)/.test(l)).pop();
  if (prebuild) return prebuild.replace(/^prebuild-install (warn|err|ERR!)\s+(install\s+)?/, '');
  const error = lines.find((l) => /^(\w*Error|error)\b[:\s]/.test(l));
  if (error) return error.replace(/^\w*Error:\s*/, '');
  return lines.pop() ?? 'no output';
}
