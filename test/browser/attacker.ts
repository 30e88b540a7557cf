// The attacker's pages, served to the victim's browser from two loopback origins beside the app's
// (http://127.0.0.1:<app port>): `localhost` is another site, another port on 127.0.0.1 is the app's own
// site but another origin (a page there can even read the app's non-HttpOnly cookies: cookies ignore ports).
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Attacker {
  /** `http://localhost:<port>`: another site. */
  readonly crossSite: string;
  /** `http://127.0.0.1:<port>`: the app's site, another origin. */
  readonly sameSite: string;
  /** Serves `html` (scripts allowed) at a new path of both origins; returns the path. */
  page(html: string): string;
  close(): Promise<void>;
}

function listen(server: Server, host: string, port = 0): Promise<number | undefined> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startAttacker(): Promise<Attacker> {
  const pages = new Map<string, string>();
  const handler: RequestListener = (req, res) => {
    const html = pages.get(req.url ?? '');
    res.writeHead(html === undefined ? 404 : 200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html ?? 'not found');
  };
  const servers = [createServer(handler), createServer(handler), createServer(handler)];
  const [cross, crossV6, same] = servers as [Server, Server, Server];
  const crossPort = await listen(cross, '127.0.0.1');
  // `localhost` may resolve to ::1 first: the same port there, where the loopback has IPv6.
  await listen(crossV6, '::1', crossPort);
  const samePort = await listen(same, '127.0.0.1');
  let n = 0;
  return {
    crossSite: `http://localhost:${crossPort}`,
    sameSite: `http://127.0.0.1:${samePort}`,
    page(html) {
      const path = `/attack-${++n}`;
      pages.set(path, `<!doctype html><html><body>${html}</body></html>`);
      return path;
    },
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise((resolve) => (server.listening ? server.close(resolve) : resolve(undefined))),
        ),
      );
    },
  };
}
