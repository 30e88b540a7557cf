import { hs256, rs256 } from 'jwt-gate';
import { keys, payload } from '../fixtures.js';
import { floorSignHs256, floorSignRs256 } from '../floor.js';
import { gate } from '../gate.js';

// One algorithm's verify path for a few seconds, each call on a fresh copy of the token as a server
// would see it, to run under the profiler (after `npm run build`):
//   TSX_TSCONFIG_PATH=bench/tsconfig.json node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile/verify-loop.ts [RS256] [--cache]
//   npx tsx bench/profile/summary.ts /tmp/prof/<file>.cpuprofile
const alg = process.argv[2] === 'RS256' ? 'RS256' : 'HS256';
const cached = process.argv.includes('--cache');
const seconds = Number(process.env.PROFILE_SECONDS ?? 5);
const auth = gate(alg === 'HS256' ? hs256(keys.secret) : rs256({ publicKey: keys.publicKey }), {
  cache: cached,
});
const token = Buffer.from(
  alg === 'HS256' ? floorSignHs256(payload(), keys.secret) : floorSignRs256(payload(), keys.privateKey),
  'latin1',
);

const end = performance.now() + seconds * 1000;
let count = 0;
while (performance.now() < end) {
  for (let i = 0; i < 1000; i++) await auth.verify(token.toString('latin1'));
  count += 1000;
}
console.log(
  `${alg}${cached ? ' (cache)' : ''}: ${count} verifications, ${((seconds * 1e9) / count).toFixed(0)} ns each`,
);
