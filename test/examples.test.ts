import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runDemo } from '../examples/core-demo.js';

describe('examples/core-demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwt-gate-demo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every step with a generated RS256 pair', async () => {
    vi.stubEnv('JWT_SECRET', '');
    const lines = Object.fromEntries(
      (await runDemo(join(dir, 'keys'))).map(({ step, result }) => [step, result]),
    );
    vi.unstubAllEnvs();
    expect(lines.key).toMatch(/^RS256/);
    expect(statSync(join(dir, 'keys', 'private.pem')).mode & 0o777).toBe(0o600);
    expect(lines.verify).toMatch(/^accepted .*"sub":"user-42","role":"admin"/);
    expect(lines['authenticate (Bearer header)']).toBe('user "user-42"');
    expect(lines['authenticate (cookie)']).toBe('user "user-42"');
    expect(lines['authenticate (nothing)']).toBe('null');
    // The token's remaining lifetime: 900 s, or 899 when the demo crossed a second boundary.
    expect(lines['Set-Cookie']).toMatch(/; Max-Age=(900|899); Path=\/; HttpOnly; SameSite=Lax$/);
    expect(lines['forged payload']).toBe('refused: ERR_SIGNATURE_INVALID (401 token signature invalid)');
    expect(lines['alg none']).toBe('refused: ERR_ALG_NOT_ALLOWED (401 token algorithm not allowed)');
    expect(lines['sixteen minutes later']).toBe('refused: ERR_TOKEN_EXPIRED (401 token expired)');
    expect(lines['published keys']).toBe('1 RSA public key(s)');
  });

  it('uses HS256 when JWT_SECRET is set, and publishes nothing', async () => {
    vi.stubEnv('JWT_SECRET', 'demo-secret-for-the-test-0123456789abcdef');
    const lines = Object.fromEntries(
      (await runDemo(join(dir, 'unused'))).map(({ step, result }) => [step, result]),
    );
    vi.unstubAllEnvs();
    expect(lines.key).toBe('HS256 with JWT_SECRET');
    expect(lines.verify).toMatch(/^accepted /);
    expect(lines['published keys']).toMatch(/^none/);
  });
});
