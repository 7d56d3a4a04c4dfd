/**
 * The desktop shell's security rules as pure functions (no `electron` import,
 * so they are unit-tested under plain Node): which URL is the app's own page,
 * which links may leave for the system browser, and the CSP header.
 */
import { CONTENT_SECURITY_POLICY } from '../node/webhost/security';

/**
 * The CSP sent as a header on every response Electron loads.
 *
 * It starts from the web host's policy, which src/renderer/index.html repeats as
 * a <meta> (web-host.test.ts keeps those two equal), so the page gets the same
 * rules in Electron and in a browser. One directive is tightened: in Electron
 * the renderer talks to main over IPC and opens no sockets, so `connect-src`
 * is `'self'` only, plus the Vite dev server's WebSocket (HMR) when running
 * `electron-vite dev` (ELECTRON_RENDERER_URL set).
 */
export function electronContentSecurityPolicy(devServerUrl: string | undefined): string {
  const connect = ["'self'"];
  const hmr = devServerUrl !== undefined ? hmrWebSocketOrigin(devServerUrl) : undefined;
  if (hmr) connect.push(hmr);
  return CONTENT_SECURITY_POLICY.split(';')
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => (d.split(/\s+/)[0] === 'connect-src' ? `connect-src ${connect.join(' ')}` : d))
    .join('; ');
}

/** `http://localhost:5173/` → `ws://localhost:5173` (wss for https). */
function hmrWebSocketOrigin(devServerUrl: string): string | undefined {
  const url = parseUrl(devServerUrl);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return undefined;
  return `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}`;
}

/**
 * Returns a predicate "is this URL the app's own page?" for the URL the window
 * loads. For the dev server any path on its origin counts (Vite serves the
 * modules from there); for the built app only the exact index.html file does,
 * whatever its query or #fragment (the renderer routes with the fragment).
 */
export function appUrlMatcher(appUrl: string): (url: string) => boolean {
  const app = parseUrl(appUrl);
  if (!app) throw new Error(`invalid app URL: ${appUrl}`);
  if (app.protocol === 'file:') {
    return (candidate) => {
      const url = parseUrl(candidate);
      return url !== undefined && url.protocol === 'file:' && url.host === app.host && url.pathname === app.pathname;
    };
  }
  return (candidate) => parseUrl(candidate)?.origin === app.origin;
}

/** Links the app may hand to the system browser: http(s) only, never file:, javascript:, custom schemes. */
export function isSafeExternalUrl(url: string): boolean {
  const parsed = parseUrl(url);
  return parsed !== undefined && (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.hostname !== '';
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
