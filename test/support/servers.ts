// Real HTTP servers on the loopback for the remote-key tests: each counts the requests it receives.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type supertest from 'supertest';
import { afterEach } from 'vitest';

export interface TestServer {
  /** The server's `/.well-known/jwks.json` URL. */
  readonly url: string;
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly origin: string;
  /** `METHOD path` of every request received. */
  readonly hits: string[];
  close(): Promise<void>;
}

const open = new Set<Server>();

async function stop(server: Server): Promise<void> {
  open.delete(server);
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

// Every server a test opened is closed after it, passed or failed.
afterEach(async () => {
  await Promise.all([...open].map(stop));
});

/** Serves every request with `handler`. */
export async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  open.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return { url: `${origin}/.well-known/jwks.json`, origin, hits, close: () => stop(server) };
}

/** Serves whatever `doc()` returns at the moment of each request. */
export const serveJson = (doc: () => unknown, status = 200): Promise<TestServer> =>
  serve((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(doc()));
  });

/** What {@link rawRequest} got back. */
export interface RawAnswer {
  readonly status: number;
  readonly body: string;
  readonly cookies: readonly string[];
}

/**
 * One request to `app` on a server of its own, with the target exactly as given: supertest would
 * resolve `..` and rewrite an absolute-form target (`http://host/path`), which a client may send.
 */
export async function rawRequest(
  app: Parameters<typeof supertest>[0],
  method: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const { origin, close } = await serve(app as (req: IncomingMessage, res: ServerResponse) => void);
  try {
    return await new Promise<RawAnswer>((resolve, reject) => {
      const req = request(
        origin,
        { method, path: target, headers: { host: 'app.local', ...headers } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body, cookies: res.headers['set-cookie'] ?? [] }),
          );
        },
      );
      req.setTimeout(3000, () => req.destroy(new Error('no answer: the request hung')));
      req.on('error', reject);
      req.end();
    });
  } finally {
    await close();
  }
}
