// Shared pieces of the consumer-group tests with real clients: a Python group member in its
// own process (confluent-kafka-python or kafka-python, test/helpers/py/group_member.py)
// that reports its assignment and records and can commit, close or be killed with -9, and
// bounded polling for conditions (no fixed sleeps).

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { API, ApiKey, ErrorCode } from '../../src/protocol/index.ts';
import { PYTHON } from '../helpers/python.ts';
import type { RawClient } from '../helpers/raw-client.ts';

const SCRIPT = fileURLToPath(new URL('../helpers/py/group_member.py', import.meta.url));

/** Broker settings that let groups form and expire quickly in tests. */
export const FAST_GROUPS = {
  'offsets.topic.num.partitions': '3',
  'group.initial.rebalance.delay.ms': '0',
  'group.min.session.timeout.ms': '200',
};

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, describe?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe ? `: ${describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface MemberRecord {
  partition: number;
  offset: number;
  value: string;
}

export interface PyMemberConfig {
  client: 'ck' | 'kp';
  bootstrap: string;
  group: string;
  topic: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  clientId?: string;
  strategy?: string;
  instanceId?: string;
  /** More librdkafka settings (ck only). */
  extra?: Record<string, string | number | boolean>;
}

export class PyMember {
  readonly name: string;
  readonly process: ChildProcess;
  readonly records: MemberRecord[] = [];
  readonly errors: string[] = [];
  assignment: number[] = [];
  /** Every assignment reported, in order. */
  readonly assignments: number[][] = [];
  #events: Record<string, unknown>[] = [];
  #exited: Promise<void>;
  #stderr = '';

  private constructor(name: string, config: PyMemberConfig) {
    this.name = name;
    this.process = spawn(PYTHON, ['-E', '-s', '-B', SCRIPT, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let pending = '';
    this.process.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.#onEvent(JSON.parse(line));
    });
    this.process.stderr!.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-20_000);
    });
    this.process.stdin!.on('error', () => {});
    this.#exited = new Promise((resolve) => this.process.once('exit', () => resolve()));
  }

  static start(t: { after(fn: () => unknown): void }, name: string, config: PyMemberConfig): PyMember {
    const member = new PyMember(name, config);
    t.after(() => member.kill9());
    return member;
  }

  #onEvent(e: Record<string, unknown>): void {
    this.#events.push(e);
    if (e['event'] === 'assignment') {
      this.assignment = e['partitions'] as number[];
      this.assignments.push(this.assignment);
    } else if (e['event'] === 'record') {
      this.records.push({ partition: e['partition'] as number, offset: e['offset'] as number, value: e['value'] as string });
    } else if (e['event'] === 'error') {
      this.errors.push(String(e['error']));
    }
  }

  count(event: string): number {
    return this.#events.filter((e) => e['event'] === event).length;
  }

  values(): Set<string> {
    return new Set(this.records.map((r) => r.value));
  }

  get stderr(): string {
    return this.#stderr;
  }

  describe(): string {
    return `${this.name}: assignment ${JSON.stringify(this.assignment)}, ${this.records.length} records, errors ${JSON.stringify(this.errors.slice(-3))}, stderr ${this.#stderr.slice(-500)}`;
  }

  async commit(): Promise<void> {
    const before = this.count('committed');
    this.process.stdin!.write('commit\n');
    await waitFor(`${this.name} to commit`, () => this.count('committed') > before, 30_000, () => this.describe());
  }

  async close(): Promise<void> {
    this.process.stdin!.write('close\n');
    await waitFor(`${this.name} to close`, () => this.count('closed') > 0 || this.process.exitCode !== null, 30_000, () => this.describe());
    await this.#exited;
  }

  async kill9(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
    await this.#exited;
  }
}

/** ConsumerProtocolSubscription v0 for some topics, with null user data. */
export function subscriptionBytes(...topics: string[]): Buffer {
  const parts = [Buffer.from([0, 0]), Buffer.alloc(4)];
  parts[1]!.writeInt32BE(topics.length);
  for (const t of topics) {
    const len = Buffer.alloc(2);
    len.writeInt16BE(Buffer.byteLength(t));
    parts.push(len, Buffer.from(t));
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  return Buffer.concat(parts);
}

/**
 * A member that joins through our own codec (JoinGroup v9 with its MEMBER_ID_REQUIRED round,
 * then SyncGroup as a follower) and then goes silent: it never heartbeats, as a client
 * whose process froze. Resolves once it has its assignment.
 */
export async function joinSilentMember(client: RawClient, groupId: string, topic: string, protocolName: string, sessionTimeoutMs: number): Promise<{ memberId: string; generationId: number }> {
  const body = {
    ...API.JoinGroup.createRequest(),
    groupId,
    protocolType: 'consumer',
    protocols: [{ name: protocolName, metadata: subscriptionBytes(topic) }],
    sessionTimeoutMs,
    rebalanceTimeoutMs: sessionTimeoutMs,
  };
  let joined: any = await client.request(ApiKey.JoinGroup, 9, body, 30_000);
  if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) joined = await client.request(ApiKey.JoinGroup, 9, { ...body, memberId: joined.memberId }, 30_000);
  if (joined.errorCode !== 0) throw new Error(`silent member: JoinGroup error ${joined.errorCode}`);
  const synced: any = await client.request(ApiKey.SyncGroup, 5, {
    ...API.SyncGroup.createRequest(),
    groupId,
    generationId: joined.generationId,
    memberId: joined.memberId,
    protocolType: 'consumer',
    protocolName: joined.protocolName,
    assignments: [],
  }, 30_000);
  if (synced.errorCode !== 0) throw new Error(`silent member: SyncGroup error ${synced.errorCode}`);
  return { memberId: joined.memberId, generationId: joined.generationId };
}
