// The fixed-rate latency measurement of bench/latency.py, with Runnel's own TypeScript client
// (src/client) instead of librdkafka: same protocol (one JSON object on stdin, `consume`
// prints "ready" once it is fetching, each mode prints one JSON line of sorted latencies in
// microseconds), same record layout (sequence and CLOCK_MONOTONIC send time in the first 16
// bytes; Node's hrtime is CLOCK_MONOTONIC too) and the same settings where they mean the same
// (acks=1, no idempotence, librdkafka's 1 MB batch size; the consumer's fetches wait at most
// 100 ms for one byte). Linger is 0 where librdkafka's is 1 ms: in Node the records written in
// one turn of the event loop go in one batch anyway, and a 1 ms timer fires 1-2 ms later.
//
// Run by bench/latency.ts as `node bench/latency-client.ts produce|consume`.

import { Consumer, Producer } from '../src/client/index.ts';

interface Input {
  bootstrap: string;
  topic: string;
  /** Records per second. */
  rate: number;
  size: number;
  seconds: number;
  warmup_seconds: number;
}

const now = (): bigint => process.hrtime.bigint();

async function produce(cfg: Input): Promise<void> {
  const total = Math.floor(cfg.rate * cfg.seconds);
  const warmup = Math.floor(cfg.rate * cfg.warmup_seconds);
  const latencies: number[] = [];
  let errors = 0;
  const producer = new Producer({ bootstrapServers: cfg.bootstrap, acks: 1, lingerMs: 0, batchSize: 1_000_000, idempotent: false });
  await producer.connect();
  const start = now();
  let seq = 0;
  while (seq < total) {
    const due = Math.min(total, Math.floor((Number(now() - start) * cfg.rate) / 1e9));
    while (seq < due) {
      // From Node's buffer pool, as most applications' values are (Buffer.from of a string).
      const value = Buffer.allocUnsafe(cfg.size).fill(120);
      const sent = now();
      value.writeBigInt64BE(BigInt(seq), 0);
      value.writeBigInt64BE(sent, 8);
      const counted = seq >= warmup;
      const room = producer.write({ topic: cfg.topic, partition: 0, value }, (err) => {
        if (err !== null) errors++;
        else if (counted) latencies.push(Number((now() - sent) / 1000n));
      });
      if (room !== undefined) await room;
      seq++;
    }
    // The Python producer sleeps 0.2 ms between rounds; a Node timer's least is 1 ms.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await producer.flush();
  const seconds = Number(now() - start) / 1e9;
  await producer.close();
  latencies.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ latencies_us: latencies, sent: total, errors, seconds })}\n`);
}

async function consume(cfg: Input): Promise<void> {
  const total = Math.floor(cfg.rate * cfg.seconds);
  const warmup = BigInt(Math.floor(cfg.rate * cfg.warmup_seconds));
  const consumer = new Consumer({ bootstrapServers: cfg.bootstrap, maxWaitMs: 100, minBytes: 1 });
  await consumer.assign([{ topic: cfg.topic, partition: 0, offset: 'earliest' }]);
  process.stdout.write('ready\n');
  const latencies: number[] = [];
  let seen = 0;
  const deadline = performance.now() + (cfg.seconds * 3 + 30) * 1000;
  while (seen < total && performance.now() < deadline) {
    const records = await consumer.poll();
    const at = now();
    for (const r of records) {
      const value = r.value!;
      seen++;
      if (value.readBigInt64BE(0) >= warmup) latencies.push(Number((at - value.readBigInt64BE(8)) / 1000n));
    }
  }
  await consumer.close();
  latencies.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ latencies_us: latencies, received: seen, expected: total })}\n`);
}

const mode = process.argv[2];
let input = '';
for await (const chunk of process.stdin) input += String(chunk);
const cfg = JSON.parse(input.split('\n')[0]!) as Input;
await (mode === 'produce' ? produce(cfg) : consume(cfg));
