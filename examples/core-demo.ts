// The core without a framework: issue a token, verify it, read it from a request, refuse a forgery.
// Run: npm start    (RS256 with a key pair generated once in .keys/, or HS256 when JWT_SECRET is set)
import { pathToFileURL } from 'node:url';
import { createAuth, hs256, isAuthError, rs256, type KeyProvider } from 'jwt-gate';

export interface DemoLine {
  readonly step: string;
  readonly result: string;
}

function chooseKey(keyDir: string): { key: KeyProvider; described: string } {
  const secret = process.env.JWT_SECRET;
  if (secret) return { key: hs256(secret), described: 'HS256 with JWT_SECRET' };
  return {
    key: rs256.fromFiles({ dir: keyDir }),
    described: `RS256 with the key pair in ${keyDir}/ (generated on first run)`,
  };
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    return `accepted ${JSON.stringify(await promise)}`;
  } catch (err) {
    if (isAuthError(err)) return `refused: ${err.code} (${err.status} ${err.message})`;
    throw err;
  }
}

/** Walks through the core API and returns what happened at each step. */
export async function runDemo(keyDir = '.keys'): Promise<DemoLine[]> {
  const { key, described } = chooseKey(keyDir);
  const auth = createAuth({ key, issuer: 'demo-app', audience: 'demo-api', expiresIn: '15m' });
  const lines: DemoLine[] = [{ step: 'key', result: described }];

  const token = await auth.issue({ sub: 'user-42', role: 'admin' });
  lines.push({ step: 'issue', result: token });
  lines.push({ step: 'verify', result: await outcome(auth.verify(token)) });

  const bearer = await auth.authenticate({ headers: { authorization: `Bearer ${token}` } });
  lines.push({ step: 'authenticate (Bearer header)', result: `user ${JSON.stringify(bearer?.user.sub)}` });
  const cookie = await auth.authenticate({ headers: { cookie: `jwt=${token}` } });
  lines.push({ step: 'authenticate (cookie)', result: `user ${JSON.stringify(cookie?.user.sub)}` });
  lines.push({
    step: 'authenticate (nothing)',
    result: JSON.stringify(await auth.authenticate({ headers: {} })),
  });
  lines.push({ step: 'Set-Cookie', result: auth.sessionCookie(token, { secure: false }) });

  const [header, payload, signature] = token.split('.') as [string, string, string];
  const forged = Buffer.from(payload, 'base64url').toString().replace('"admin"', '"owner"');
  lines.push({
    step: 'forged payload',
    result: await outcome(auth.verify(`${header}.${Buffer.from(forged).toString('base64url')}.${signature}`)),
  });
  lines.push({
    step: 'alg none',
    result: await outcome(auth.verify(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`)),
  });

  const later = createAuth({
    key,
    issuer: 'demo-app',
    audience: 'demo-api',
    now: () => Date.now() + 16 * 60_000,
  });
  lines.push({ step: 'sixteen minutes later', result: await outcome(later.verify(token)) });

  const jwks = auth.jwks();
  lines.push({
    step: 'published keys',
    result: jwks.keys.length
      ? `${jwks.keys.length} RSA public key(s)`
      : 'none (an HS256 secret is never published)',
  });
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const { step, result } of await runDemo()) console.log(`${step.padEnd(30)} ${result}`);
}
