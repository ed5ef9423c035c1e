// Builds sample messages for the codec tests from the generator's model (scripts/gen-protocol.ts):
// every field present in the version gets a non-default value, every absent field its default.
// Deterministic: values come from a seeded PRNG.

import fs from 'node:fs';
import path from 'node:path';
import {
  defaultSpecDir,
  loadModel,
  type FieldModel,
  type MessageModel,
  type ProtocolModel,
  type StructModel,
} from '../../../scripts/gen-protocol.ts';
import * as generated from '../../../src/protocol/generated/index.ts';
import * as requestHeader from '../../../src/protocol/generated/request-header.ts';
import * as responseHeader from '../../../src/protocol/generated/response-header.ts';
export { prng } from '../../helpers/prng.ts';
import { prng } from '../../helpers/prng.ts';

export const SPEC_DIR = defaultSpecDir();
export const SPEC_PRESENT = fs.existsSync(path.join(SPEC_DIR, 'messages'));
export const SKIP_REASON = `Kafka's message definitions are not at ${SPEC_DIR} (set KAFKA_PROTOCOL_DIR)`;

let model: ProtocolModel | undefined;

export function protocolModel(): ProtocolModel {
  model ??= loadModel(SPEC_DIR);
  return model;
}


type Obj = Record<string, unknown>;
type Module = Record<string, unknown>;

/** The generated module holding a message's functions. */
export function moduleOf(apiName: string | undefined, msg: MessageModel): Module {
  if (msg.kind === 'header') return (msg.name === 'RequestHeader' ? requestHeader : responseHeader) as unknown as Module;
  return (generated as unknown as Record<string, Module>)[apiName!]!;
}

export interface SampleOptions {
  /** Put null into every field that is nullable in the version (else non-null values). */
  nulls?: boolean;
  /** Add unknown tagged fields to every struct in flexible versions. */
  unknownTags?: boolean;
}

export class SampleBuilder {
  readonly #rand: () => number;
  readonly #msg: MessageModel;
  readonly #module: Module;
  readonly #options: SampleOptions;

  constructor(apiName: string | undefined, msg: MessageModel, seed: number, options: SampleOptions = {}) {
    this.#rand = prng(seed);
    this.#msg = msg;
    this.#module = moduleOf(apiName, msg);
    this.#options = options;
  }

  #int(lo: number, hi: number): number {
    return lo + Math.floor(this.#rand() * (hi - lo + 1));
  }

  #create(s: StructModel): Obj {
    const create = this.#module[`create${s.tsName}`] as () => Obj;
    return create();
  }

  message(version: number): Obj {
    return this.struct(this.#msg.root, version);
  }

  struct(s: StructModel, version: number): Obj {
    const m = this.#create(s);
    for (const f of s.fields) {
      if (!f.versions.includes(version)) continue;
      if (this.#options.nulls === true && f.nullable.includes(version)) {
        m[f.camel] = null;
        continue;
      }
      m[f.camel] = this.#value(f, version, m[f.camel]);
    }
    if (this.#options.unknownTags === true && this.#msg.flexible.includes(version)) {
      m._unknownTaggedFields = [
        { tag: 90 + this.#int(0, 4), data: Buffer.from([this.#int(0, 255)]) },
        { tag: 1000 + this.#int(0, 100000), data: Buffer.alloc(0) },
      ];
    }
    return m;
  }

  #value(f: FieldModel, version: number, def: unknown): unknown {
    if (f.array) {
      const n = this.#int(1, 3);
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(f.struct !== undefined ? this.struct(f.struct, version) : this.#scalar(f, undefined));
      return out;
    }
    if (f.struct !== undefined) return this.struct(f.struct, version);
    return this.#scalar(f, def);
  }

  /** A value of the field's scalar type different from `def`. */
  #scalar(f: FieldModel, def: unknown): unknown {
    for (;;) {
      const v = this.#anyScalar(f);
      if (typeof v === 'object' || v !== def) return v;
    }
  }

  #anyScalar(f: FieldModel): unknown {
    switch (f.scalar!) {
      case 'bool':
        return this.#rand() < 0.5;
      case 'int8':
        return this.#int(-128, 127);
      case 'int16':
        return this.#int(-32768, 32767);
      case 'uint16':
        return this.#int(0, 65535);
      case 'int32':
        return this.#int(-2147483648, 2147483647);
      case 'uint32':
        return this.#int(0, 4294967295);
      case 'int64':
        return (BigInt(this.#int(-2147483648, 2147483647)) << 32n) | BigInt(this.#int(0, 4294967295));
      case 'float64':
        return this.#int(-1000000, 1000000) / 64;
      case 'uuid': {
        const b = Buffer.alloc(16);
        for (let i = 0; i < 16; i++) b[i] = this.#int(0, 255);
        b[0] = b[0]! | 1; // never the zero uuid
        return b.toString('base64url');
      }
      case 'string': {
        const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-._';
        let s = '';
        const n = this.#int(1, 8);
        for (let i = 0; i < n; i++) s += alphabet[this.#int(0, alphabet.length - 1)];
        return this.#rand() < 0.2 ? `${s}é€` : s;
      }
      case 'bytes':
      case 'records': {
        const b = Buffer.alloc(this.#int(1, 12));
        for (let i = 0; i < b.length; i++) b[i] = this.#int(0, 255);
        return b;
      }
    }
  }
}

/** Every (API name, message) pair of the model: requests, responses and the two headers. */
export function allMessages(): { api: string | undefined; msg: MessageModel }[] {
  const m = protocolModel();
  const out: { api: string | undefined; msg: MessageModel }[] = [];
  for (const api of m.apis) {
    out.push({ api: api.name, msg: api.request });
    out.push({ api: api.name, msg: api.response });
  }
  out.push({ api: undefined, msg: m.requestHeader });
  out.push({ api: undefined, msg: m.responseHeader });
  return out;
}

export function codecOf(api: string | undefined, msg: MessageModel): {
  encode: (w: unknown, version: number, m: unknown) => void;
  decode: (r: unknown, version: number) => unknown;
} {
  const mod = moduleOf(api, msg);
  return {
    encode: mod[`encode${msg.root.tsName}`] as (w: unknown, version: number, m: unknown) => void,
    decode: mod[`decode${msg.root.tsName}`] as (r: unknown, version: number) => unknown,
  };
}

export function versionsOf(msg: MessageModel): number[] {
  const out: number[] = [];
  for (let v = msg.minVersion; v <= msg.maxVersion; v++) out.push(v);
  return out;
}
