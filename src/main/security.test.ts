import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appUrlMatcher, electronContentSecurityPolicy, isSafeExternalUrl } from './security';

const PRODUCTION_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'";

const directives = (csp: string): Map<string, string> =>
  new Map(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => [d.split(/\s+/)[0] as string, d] as const));

describe('electronContentSecurityPolicy', () => {
  it('is the strict policy in a built app: IPC only, no sockets', () => {
    expect(electronContentSecurityPolicy(undefined)).toBe(PRODUCTION_CSP);
  });

  it('allows the dev server HMR WebSocket only when a dev server URL is given', () => {
    const dev = electronContentSecurityPolicy('http://localhost:5173/');
    expect(directives(dev).get('connect-src')).toBe("connect-src 'self' ws://localhost:5173");
    expect(directives(electronContentSecurityPolicy('https://127.0.0.1:5174')).get('connect-src')).toBe(
      "connect-src 'self' wss://127.0.0.1:5174",
    );
    // Anything else about the policy is unchanged in dev.
    const devRest = [...directives(dev)].filter(([k]) => k !== 'connect-src');
    const prodRest = [...directives(PRODUCTION_CSP)].filter(([k]) => k !== 'connect-src');
    expect(devRest).toEqual(prodRest);
  });

  it('ignores a dev server URL that is not http(s)', () => {
    expect(electronContentSecurityPolicy('file:///x')).toBe(PRODUCTION_CSP);
    expect(electronContentSecurityPolicy('not a url')).toBe(PRODUCTION_CSP);
  });

  it('matches the renderer <meta> CSP on every directive but connect-src, which it only narrows', () => {
    const html = readFileSync(join(__dirname, '../renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    const page = directives(meta as string);
    const electron = directives(electronContentSecurityPolicy(undefined));
    expect([...electron.keys()].sort()).toEqual([...page.keys()].sort());
    for (const [name, value] of electron) {
      if (name === 'connect-src') expect(page.get(name)).toContain("connect-src 'self'");
      else expect(value).toBe(page.get(name));
    }
  });
});

describe('appUrlMatcher', () => {
  it('for a built app, accepts only the exact index.html, with any fragment or query', () => {
    const isApp = appUrlMatcher('file:///opt/iopf/resources/app.asar/out/renderer/index.html');
    expect(isApp('file:///opt/iopf/resources/app.asar/out/renderer/index.html')).toBe(true);
    expect(isApp('file:///opt/iopf/resources/app.asar/out/renderer/index.html#/session/2?x=1')).toBe(true);
    expect(isApp('file:///opt/iopf/resources/app.asar/out/renderer/other.html')).toBe(false);
    expect(isApp('file:///etc/passwd')).toBe(false);
    expect(isApp('https://example.com/out/renderer/index.html')).toBe(false);
    expect(isApp('garbage')).toBe(false);
  });

  it('for the dev server, accepts its origin only', () => {
    const isApp = appUrlMatcher('http://localhost:5173/');
    expect(isApp('http://localhost:5173/')).toBe(true);
    expect(isApp('http://localhost:5173/src/main.ts')).toBe(true);
    expect(isApp('http://localhost:5174/')).toBe(false);
    expect(isApp('http://127.0.0.1:5173/')).toBe(false);
    expect(isApp('https://localhost:5173/')).toBe(false);
  });

  it('refuses to build a matcher from an invalid URL', () => {
    expect(() => appUrlMatcher('::')).toThrow(/invalid app URL/);
  });
});

describe('isSafeExternalUrl', () => {
  it('allows http and https links only', () => {
    expect(isSafeExternalUrl('https://docs.kernel.org/userspace-api/iommufd.html')).toBe(true);
    expect(isSafeExternalUrl('http://example.com')).toBe(true);
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'vscode://x', 'data:text/html,hi', 'https://', 'nonsense']) {
      expect(isSafeExternalUrl(url)).toBe(false);
    }
  });
});
