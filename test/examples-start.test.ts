// The example apps as `npm start` runs them: a taken port is an error, and the curl lines the banner
// prints work as their comments say.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { exited, spawnExample, startExample, type ExampleScript } from './support/example-process.js';

const env = { JWT_SECRET: 'example-start-secret-0123456789abcdef', ADMIN_PASSWORD: 'admin-password-1' };
const scripts: [string, ExampleScript][] = [
  ['Express', 'start'],
  ['Koa', 'start:koa'],
  ['Fastify', 'start:fastify'],
];
const dir = mkdtempSync(join(tmpdir(), 'jwt-gate-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(scripts)('npm run %s', (name, script) => {
  it('exits non-zero on a taken port, printing why and no "listening" line', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const child = spawnExample(script, { ...env, PORT: String(port) });
      let out = '';
      let err = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      const code = await exited(child, 30_000);
      if (code === undefined && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      expect(code).toBe(1);
      expect(err).toContain(`${name} example: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`);
      expect(out).not.toContain('listening');
      expect(out).not.toContain('seeded admin');
    } finally {
      taken.close();
    }
  }, 40_000);

  it('prints curl lines that answer as their comments say', async () => {
    const app = await startExample(script, env);
    try {
      const banner = app.stdout();
      expect(banner).toContain(`Open ${app.url}/ in a browser`);
      expect(banner).toContain('seeded admin: admin@example.com / admin-password-1');
      const lines = banner
        .split('\n')
        .filter((line) => /^ {2}(curl|TOKEN=)/.test(line))
        .map((line) => line.trim());
      expect(lines).toHaveLength(14);
      const work = join(dir, script);
      rmSync(work, { recursive: true, force: true });
      await promisify(execFile)('mkdir', ['-p', work]);
      const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', lines.join('\n')], {
        cwd: work,
        timeout: 30_000,
      });
      const statuses = [...stdout.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      // /, signup, login, me, admin (403), /, logins, refresh, everywhere, login, logout, me (401), admin by Bearer.
      expect(statuses).toEqual([200, 201, 200, 200, 403, 200, 200, 204, 204, 200, 204, 401, 200]);
      expect(stdout).toContain('"message":"welcome to the admin page, admin@example.com"');
      // The cookie sign-ins answered no token: that is the HttpOnly cookie's, out of page script's reach.
      expect(stdout).not.toMatch(/"token"/);
    } finally {
      await app.stop();
    }
  }, 60_000);
});
