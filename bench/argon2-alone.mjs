// Part of `npm run bench`: the CPU one password verification costs by itself, through the
// server's own hasher (dist/), so W4's CPU per login can be compared with it. Prints
// {"cpuUsPerVerify": …}; pinned to the servers' core by run.mjs.
import { createPasswordHasher } from '../dist/auth/password.js';

const hasher = await createPasswordHasher();
const stored = await hasher.hash('bench password 1');
for (let i = 0; i < 10; i++) await hasher.verify(stored, 'bench password 1');
const count = Number(process.argv[2] ?? 200);
const before = process.cpuUsage();
for (let i = 0; i < count; i++) {
  if (!(await hasher.verify(stored, 'bench password 1'))) throw new Error('verify failed');
}
const used = process.cpuUsage(before);
console.log(JSON.stringify({ cpuUsPerVerify: (used.user + used.system) / count }));
