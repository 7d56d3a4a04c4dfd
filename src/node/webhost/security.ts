/**
 * Security policy of the local web host. The host serves a developer tool to
 * a browser on the same machine; anything that would let another machine, or
 * another web page open in the same browser, drive the emulator or read the
 * recorded sessions is refused here.
 */

/**
 * The only address the host binds to. Listening on 0.0.0.0 or a LAN address
 * would hand the RPC endpoint (run scenarios, read every recorded session) to
 * anyone on the network, and the host has no authentication: it relies on
 * "only processes on this machine can connect" plus the Origin check below.
 */
export const LOOPBACK_HOST = '127.0.0.1';

/**
 * Sent as a header with every response. It must equal the `<meta>` CSP in
 * src/renderer/index.html (web-host.test.ts checks it), so the page behaves
 * the same when Electron loads it from disk and when the web host serves it.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
].join('; ');

/** Headers every response carries, whatever its status. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  // frame-ancestors cannot be expressed in a <meta> CSP; keep the tool out of frames.
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function assertLoopbackBind(host: string): void {
  if (host !== LOOPBACK_HOST) {
    throw new Error(
      `web host: refusing to bind to ${JSON.stringify(host)}; it serves an unauthenticated local tool ` +
        `and listens on ${LOOPBACK_HOST} only`,
    );
  }
}

/** Host header values that name this server (anything else is DNS rebinding or a mistake). */
export function allowedHosts(port: number): ReadonlySet<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

/**
 * Origins allowed to open the RPC WebSocket: the host's own pages only.
 * Browsers send Origin on every WebSocket handshake and WebSockets are not
 * covered by CORS, so without this check any web page the developer visits
 * could connect to ws://127.0.0.1:PORT/api and run scenarios (cross-site
 * WebSocket hijacking). A missing Origin is refused too: non-browser clients
 * have the CLI.
 */
export function allowedOrigins(port: number): ReadonlySet<string> {
  return new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
}
