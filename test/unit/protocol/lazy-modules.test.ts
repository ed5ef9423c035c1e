// The API table loads each generated message module on the first use of its codecs
// (src/protocol/generated/apis.ts): what the broker imports at start must not load all 77,
// which cost ~10 MB of resident memory. Checked in a fresh process, which lists the generated
// modules it has loaded through a module hook.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const script = `
import module from 'node:module';
const loaded = new Set();
module.registerHooks({
  load(url, context, next) {
    const m = /\\/protocol\\/generated\\/([a-z-]+)\\.ts$/.exec(url);
    if (m) loaded.add(m[1]);
    return next(url, context);
  },
});
const seen = () => [...loaded].sort();
const out = {};
await import(${JSON.stringify(new URL('../../../src/broker/index.ts', import.meta.url).href)});
const { API } = await import(${JSON.stringify(new URL('../../../src/protocol/index.ts', import.meta.url).href)});
out.atStart = seen();
const request = API.Produce.createRequest();
out.afterProduce = seen();
out.topicData = Array.isArray(request.topicData);
out.partitionData = typeof API.Fetch.messages().createPartitionData;
out.afterFetch = seen();
console.log(JSON.stringify(out));
`;

test('importing the broker loads no message module; an API\'s codecs load its module, and only it', () => {
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as Record<string, unknown>;
  const TABLES = ['apis', 'error-codes', 'request-header', 'response-header'];
  assert.deepEqual(out['atStart'], TABLES);
  assert.deepEqual(out['afterProduce'], [...TABLES, 'produce'].sort());
  assert.equal(out['topicData'], true, 'a Produce request from the module just loaded');
  assert.equal(out['partitionData'], 'function');
  assert.deepEqual(out['afterFetch'], [...TABLES, 'fetch', 'produce'].sort());
});
