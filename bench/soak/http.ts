import { Agent, request } from 'node:http';

/** An answer; status 0 when there was none (refused connection, reset, no answer within 5 s). */
export interface Answer {
  readonly status: number;
  /** The `code` of a JSON error body. */
  readonly code: string | undefined;
  readonly body: Record<string, unknown> | undefined;
  /** The cookies it set with a value (clearing cookies left out). */
  readonly cookies: ReadonlyMap<string, string>;
  /** Monotonic ms: when it was sent and when it came back. */
  readonly sentAt: number;
  readonly answeredAt: number;
}

export interface Request {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly bearer?: string;
  readonly cookies?: Readonly<Record<string, string>>;
  readonly json?: unknown;
}

const TIMEOUT_MS = 5000;

function cookiesOf(header: string[] | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const line of header ?? []) {
    const [pair] = line.split(';');
    const at = pair?.indexOf('=') ?? -1;
    const value = pair?.slice(at + 1) ?? '';
    if (at > 0 && value !== '') cookies.set(pair!.slice(0, at), value);
  }
  return cookies;
}

/** HTTP over keep-alive connections to the app processes on loopback. */
export function httpClient(): { send(port: number, req: Request): Promise<Answer>; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  function send(port: number, r: Request): Promise<Answer> {
    const sentAt = performance.now();
    const body = r.json === undefined ? undefined : JSON.stringify(r.json);
    const headers: Record<string, string> = {};
    if (r.bearer !== undefined) headers.authorization = `Bearer ${r.bearer}`;
    if (r.cookies !== undefined)
      headers.cookie = Object.entries(r.cookies)
        .map(([name, value]) => `${name}=${value}`)
        .join('; ');
    if (body !== undefined) headers['content-type'] = 'application/json';
    return new Promise((resolve) => {
      const failed = (): void =>
        resolve({
          status: 0,
          code: undefined,
          body: undefined,
          cookies: new Map(),
          sentAt,
          answeredAt: performance.now(),
        });
      const req = request(
        { host: '127.0.0.1', port, method: r.method, path: r.path, headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', failed);
          res.on('end', () => {
            let parsed: Record<string, unknown> | undefined;
            try {
              parsed = chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString());
            } catch {
              parsed = undefined;
            }
            resolve({
              status: res.statusCode ?? 0,
              code: typeof parsed?.code === 'string' ? parsed.code : undefined,
              body: parsed,
              cookies: cookiesOf(res.headers['set-cookie']),
              sentAt,
              answeredAt: performance.now(),
            });
          });
        },
      );
      req.setTimeout(TIMEOUT_MS, () => req.destroy());
      req.on('error', failed);
      req.end(body);
    });
  }
  return { send, close: () => agent.destroy() };
}

/** The claims of a token, read without verifying it (the soak's own tokens). */
export function claimsOf(token: string): { sub: string; sid: string; jti: string; iat: number } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
}
