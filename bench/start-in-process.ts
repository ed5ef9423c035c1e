// Run by bench/startup.ts in a fresh Node process: how long startBroker() takes to be ready,
// in memory, the first time in a process (cold: JIT and lazy module state included, as in a
// test suite's first test) and then the median of further starts. Prints one JSON line.

import { startBroker } from '../src/index.ts';

const times: number[] = [];
for (let i = 0; i < 6; i++) {
  const started = performance.now();
  const broker = await startBroker({ port: 0, dataDir: 'memory' });
  times.push(performance.now() - started);
  await broker.stop();
}
const warm = times.slice(1).sort((a, b) => a - b);
console.log(JSON.stringify({ firstMs: times[0], warmMedianMs: warm[Math.floor(warm.length / 2)] }));
