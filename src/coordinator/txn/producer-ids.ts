// Producer id allocation (Kafka's ProducerIdManager, for one broker). Ids are handed out
// from blocks of PRODUCER_ID_BLOCK_SIZE (1000, as Kafka's controller allocates them); the
// end of the current block is written to `<dataDir>/producer-id-block` (tmp, fsync,
// rename, directory fsync) before any id of the block is used, so an id is never handed
// out twice, across restarts and crashes alike. A restart skips the rest of the block, as
// Kafka does. File format: the version line `0`, then the next unallocated id.

import type { FileSystem } from '../../storage/index.ts';
import { join } from 'node:path';

export const PRODUCER_ID_BLOCK_SIZE = 1000;
export const PRODUCER_ID_BLOCK_FILE = 'producer-id-block';

export class ProducerIdManager {
  readonly #fs: FileSystem;
  readonly #path: string;
  #next: bigint;
  #blockEnd: bigint;

  constructor(fs: FileSystem, dataDir: string) {
    this.#fs = fs;
    this.#path = join(dataDir, PRODUCER_ID_BLOCK_FILE);
    let start = 0n;
    if (fs.stat(this.#path)) {
      const lines = fs.readFile(this.#path).toString('utf8').split('\n');
      if (lines[0]?.trim() !== '0' || !/^\d+$/.test(lines[1]?.trim() ?? '')) throw new Error(`${this.#path}: unreadable producer id block`);
      start = BigInt(lines[1]!.trim());
    }
    this.#next = start;
    this.#blockEnd = start;
  }

  /** The next producer id; persists a new block first when the current one is used up. */
  generate(): bigint {
    if (this.#next >= this.#blockEnd) {
      const end = this.#blockEnd + BigInt(PRODUCER_ID_BLOCK_SIZE);
      this.#persist(end);
      this.#blockEnd = end;
    }
    return this.#next++;
  }

  #persist(next: bigint): void {
    const fs = this.#fs;
    const tmp = `${this.#path}.tmp`;
    const fd = fs.open(tmp, 'truncate');
    try {
      fs.write(fd, Buffer.from(`0\n${next}\n`, 'utf8'), 0);
      fs.fsync(fd);
    } finally {
      fs.close(fd);
    }
    fs.rename(tmp, this.#path);
    const slash = this.#path.lastIndexOf('/');
    fs.fsyncDir(slash > 0 ? this.#path.slice(0, slash) : '.');
  }
}
