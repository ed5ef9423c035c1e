// meta.properties in the data directory (Java properties, as Kafka's MetaProperties):
// version, cluster.id, node.id. Created on first start with a random cluster id (a Kafka
// style 22-character base64url uuid) and kept afterwards. A node id that differs from the
// stored one is refused, as Kafka refuses it.

import { ConfigError, CorruptLogError } from '../../errors.ts';
import { randomUuid } from '../../protocol/primitives/uuid.ts';
import type { FileSystem } from '../fs.ts';
import { writeFileAtomically } from '../log/checkpoint.ts';
import { join } from 'node:path';

export const META_PROPERTIES = 'meta.properties';

export interface MetaProperties {
  version: number;
  clusterId: string;
  nodeId: number;
}

/** Parses Java properties text: `key=value` or `key: value` lines, `#`/`!` comments. */
export function parseProperties(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) map.set(m[1]!, m[2]!);
    else map.set(line, '');
  }
  return map;
}

export function formatProperties(entries: Record<string, string>, now = new Date()): string {
  return `#\n#${now.toUTCString()}\n` + Object.entries(entries).map(([k, v]) => `${k}=${v}\n`).join('');
}

/** Reads meta.properties, or creates it (fresh cluster id) if absent. */
export function loadOrCreateMetaProperties(fs: FileSystem, dataDir: string, nodeId: number): MetaProperties {
  const path = join(dataDir, META_PROPERTIES);
  if (fs.stat(path)) {
    const props = parseProperties(fs.readFile(path).toString('utf8'));
    const clusterId = props.get('cluster.id');
    const storedNodeId = Number(props.get('node.id'));
    const version = Number(props.get('version') ?? '1');
    if (!clusterId || !Number.isInteger(storedNodeId)) throw new CorruptLogError(`${path}: missing cluster.id or node.id`);
    if (storedNodeId !== nodeId) {
      throw new ConfigError(`Stored node id ${storedNodeId} in ${path} doesn't match the configured node id ${nodeId}`);
    }
    return { version, clusterId, nodeId };
  }
  const meta: MetaProperties = { version: 1, clusterId: randomUuid(), nodeId };
  const text = formatProperties({ 'cluster.id': meta.clusterId, 'node.id': String(nodeId), version: String(meta.version) });
  writeFileAtomically(fs, path, Buffer.from(text, 'utf8'));
  return meta;
}
