import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { keys, payload } from '../fixtures.js';
import { floorSignHs256, floorSignRs256 } from '../floor.js';

export interface Target {
  readonly port: number;
  readonly path: string;
  readonly requests: readonly Record<string, string>[];
  readonly connections: number;
}

/** One run of autocannon against one route. */
export interface Slice {
  readonly seconds: number;
  /** Every response's own time in milliseconds, sorted (autocannon's histogram keeps whole milliseconds). */
  readonly latencies: Float64Array;
}

const USERS = 100;

/** The Authorization headers of 100 users, so a cache sees 100 tokens rather than one. */
export function requestsFor(alg: 'HS256' | 'RS256'): Record<string, string>[] {
  return Array.from({ length: USERS }, (_, i) => {
    const claims = { ...payload(), sub: `user-${i}` };
    const token =
      alg === 'HS256' ? floorSignHs256(claims, keys.secret) : floorSignRs256(claims, keys.privateKey);
    return { authorization: `Bearer ${token}` };
  });
}

/** Loads `target` for `seconds`; any response but a 2xx is an error, since every token is valid. */
export function load(target: Target, seconds: number): Promise<Slice> {
  let latencies = new Float64Array(1 << 15);
  let count = 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const requests = target.requests.map((headers) => ({
      method: 'GET' as const,
      path: target.path,
      headers,
    }));
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${target.port}`,
        connections: target.connections,
        duration: seconds,
        requests,
      },
      (err, result) => {
        if (err) return reject(err);
        if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
          return reject(
            new Error(
              `bench: ${target.path}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
            ),
          );
        }
        resolve({
          seconds: (performance.now() - started) / 1000,
          latencies: latencies.subarray(0, count).sort(),
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      if (count === latencies.length) {
        const grown = new Float64Array(count * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = ms;
    });
  });
}

/** utime + stime of one process in seconds (Linux clock ticks of 1/100 s), or `undefined` elsewhere. */
export function processCpu(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
    return fields === undefined ? undefined : (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
