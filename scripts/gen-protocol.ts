// Generates src/protocol/generated/ from Kafka's JSON message definitions (see docs/protocol.md).
//
//   node scripts/gen-protocol.ts            (npm run gen:protocol)
//   KAFKA_PROTOCOL_DIR=/path node scripts/gen-protocol.ts
//
// Reads ../shared/kafka-protocol/messages/ (Kafka 4.3.1) and messages-pre-4.0/ (for the versions
// KIP-896 removed in Kafka 4.0), and writes one file per API served on broker listeners, the
// request and response headers, the API table (apis.ts), the error table (error-codes.ts) and an
// index. The output is committed; test/unit/protocol/drift.test.ts regenerates it and compares.
//
// The model built here (loadModel) is also what the round-trip and fuzz tests walk to build
// messages with non-default values in every field.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const KAFKA_VERSION = '4.3.1';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The directory holding Kafka's definitions: $KAFKA_PROTOCOL_DIR or ../shared/kafka-protocol. */
export function defaultSpecDir(): string {
  return process.env.KAFKA_PROTOCOL_DIR ?? path.resolve(repoRoot, '..', 'shared', 'kafka-protocol');
}

export const GENERATED_DIR = path.join(repoRoot, 'src', 'protocol', 'generated');

// ---------------------------------------------------------------------------------------------
// Reading the JSON

/** Removes // and /* *\/ comments outside string literals (Kafka's files are JSON with comments). */
export function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      // Copy a string literal verbatim, honouring backslash escapes.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new Error('unterminated /* comment');
      i = end + 2;
      out += ' ';
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

interface JsonField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  flexibleVersions?: string;
  default?: string | number | boolean;
  about?: string;
  ignorable?: boolean;
  fields?: JsonField[];
}

interface JsonStruct {
  name: string;
  versions?: string;
  fields: JsonField[];
}

interface JsonSpec {
  apiKey?: number;
  type: string;
  name: string;
  validVersions: string;
  flexibleVersions?: string;
  listeners?: string[];
  latestVersionUnstable?: boolean;
  fields?: JsonField[];
  commonStructs?: JsonStruct[];
}

function readSpecs(dir: string): JsonSpec[] {
  const specs: JsonSpec[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.json')) continue;
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    try {
      specs.push(JSON.parse(stripComments(text)) as JsonSpec);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  return specs;
}

// ---------------------------------------------------------------------------------------------
// Version sets: sorted lists of concrete versions (every range is clipped to a message's range)

type Versions = number[];

function parseRange(s: string | undefined): { lo: number; hi: number } | null {
  if (s === undefined) return null;
  const t = s.trim();
  if (t === '' || t === 'none') return null;
  if (t.endsWith('+')) return { lo: Number(t.slice(0, -1)), hi: Infinity };
  const dash = t.indexOf('-');
  if (dash < 0) return { lo: Number(t), hi: Number(t) };
  return { lo: Number(t.slice(0, dash)), hi: Number(t.slice(dash + 1)) };
}

function span(lo: number, hi: number): Versions {
  const out: Versions = [];
  for (let v = lo; v <= hi; v++) out.push(v);
  return out;
}

function expand(s: string | undefined, lo: number, hi: number): Versions {
  const r = parseRange(s);
  if (r === null) return [];
  return span(Math.max(lo, r.lo), Math.min(hi, r.hi));
}

function inter(a: Versions, b: Versions): Versions {
  return a.filter((v) => b.includes(v));
}

function minus(a: Versions, b: Versions): Versions {
  return a.filter((v) => !b.includes(v));
}

function union(a: Versions, b: Versions): Versions {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

function sameSet(a: Versions, b: Versions): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** "3+", "0-2", "4", "0-2, 5+" relative to a message whose highest version is `max`. */
export function formatVersions(vs: Versions, max: number): string {
  const parts: string[] = [];
  let i = 0;
  while (i < vs.length) {
    let j = i;
    while (j + 1 < vs.length && vs[j + 1] === vs[j]! + 1) j++;
    const lo = vs[i]!;
    const hi = vs[j]!;
    parts.push(hi === max ? `${lo}+` : lo === hi ? `${lo}` : `${lo}-${hi}`);
    i = j + 1;
  }
  return parts.length === 0 ? 'none' : parts.join(', ');
}

// ---------------------------------------------------------------------------------------------
// Normalizing and merging the two copies of a message

/** A field with its version strings expanded within the versions its file contributes. */
interface NField {
  name: string;
  type: string;
  versions: Versions;
  nullable: Versions;
  tagged: Versions;
  tag: number | undefined;
  compact: Versions | undefined;
  default: string | undefined;
  about: string;
  ignorable: boolean;
  fields: NField[] | undefined;
}

function normalizeFields(fields: JsonField[] | undefined, lo: number, hi: number): NField[] {
  const out: NField[] = [];
  for (const f of fields ?? []) {
    const versions = expand(f.versions ?? f.taggedVersions, lo, hi);
    if (versions.length === 0) continue;
    out.push({
      name: f.name,
      type: f.type,
      versions,
      nullable: inter(expand(f.nullableVersions, lo, hi), versions),
      tagged: inter(expand(f.taggedVersions, lo, hi), versions),
      tag: f.tag,
      compact: f.flexibleVersions === undefined ? undefined : expand(f.flexibleVersions, lo, hi),
      default: f.default === undefined ? undefined : String(f.default),
      about: f.about ?? '',
      ignorable: f.ignorable === true,
      fields: f.fields === undefined ? undefined : normalizeFields(f.fields, lo, hi),
    });
  }
  return out;
}

/** Merges the fields of the current copy (a) with those of the pre-4.0 copy (b), by name. */
function mergeFields(a: NField[], b: NField[], where: string): NField[] {
  const out = a.slice();
  for (let i = 0; i < b.length; i++) {
    const old = b[i]!;
    const j = out.findIndex((f) => f.name === old.name);
    if (j >= 0) {
      out[j] = mergeField(out[j]!, old, `${where}.${old.name}`);
      continue;
    }
    // A field only the old copy has: place it after its nearest preceding old sibling.
    let pos = 0;
    for (let k = i - 1; k >= 0; k--) {
      const p = out.findIndex((f) => f.name === b[k]!.name);
      if (p >= 0) {
        pos = p + 1;
        break;
      }
    }
    out.splice(pos, 0, old);
  }
  return out;
}

function mergeField(a: NField, b: NField, where: string): NField {
  if (a.type !== b.type) throw new Error(`${where}: type ${b.type} became ${a.type}`);
  if (a.tag !== undefined && b.tag !== undefined && a.tag !== b.tag) throw new Error(`${where}: tag changed`);
  if (a.default !== b.default) throw new Error(`${where}: default ${b.default} became ${a.default}`);
  if ((a.compact === undefined) !== (b.compact === undefined)) throw new Error(`${where}: flexibleVersions differ`);
  if ((a.fields === undefined) !== (b.fields === undefined)) throw new Error(`${where}: inline/common struct differs`);
  return {
    ...a,
    versions: union(a.versions, b.versions),
    nullable: union(a.nullable, b.nullable),
    tagged: union(a.tagged, b.tagged),
    tag: a.tag ?? b.tag,
    compact: a.compact === undefined ? undefined : union(a.compact, b.compact!),
    fields: a.fields === undefined ? undefined : mergeFields(a.fields, b.fields!, where),
  };
}

/** Checks that, in version v, the merged field order is the order of the copy that defines v. */
function checkOrder(merged: NField[], source: NField[], v: number, where: string): void {
  const m = merged.filter((f) => f.versions.includes(v) && !f.tagged.includes(v)).map((f) => f.name);
  const s = source.filter((f) => f.versions.includes(v) && !f.tagged.includes(v)).map((f) => f.name);
  if (m.join() !== s.join()) throw new Error(`${where} v${v}: merged field order ${m} differs from ${s}`);
  for (const f of source) {
    if (f.fields === undefined || !f.versions.includes(v)) continue;
    checkOrder(merged.find((x) => x.name === f.name)!.fields!, f.fields, v, `${where}.${f.name}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The model the emitter and the tests use

export type Scalar =
  | 'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float64'
  | 'uuid' | 'string' | 'bytes' | 'records';

const SCALARS = new Set<string>([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'uuid', 'string', 'bytes', 'records',
]);

const FIXED_SIZE: Partial<Record<Scalar, number>> = {
  bool: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, float64: 8, uuid: 16,
};

export interface FieldModel {
  /** The JSON name (PascalCase). */
  name: string;
  /** The property name (camelCase). */
  camel: string;
  about: string;
  array: boolean;
  /** The scalar type, or of the elements of an array of scalars. */
  scalar: Scalar | undefined;
  /** The struct type, or of the elements of an array of structs. */
  struct: StructModel | undefined;
  /** Versions in which the field exists (in the main order or tagged). */
  versions: Versions;
  /** Versions in which the field is in the main field order. */
  main: Versions;
  /** Versions in which the field is in the tagged section. */
  tagged: Versions;
  tag: number | undefined;
  nullable: Versions;
  /** Versions in which the field uses compact encodings, when it overrides the message's. */
  compact: Versions | undefined;
  default: string | undefined;
  ignorable: boolean;
}

export interface StructModel {
  /** Kafka's name for the struct type (or the message name for the top level). */
  jsonName: string;
  /** The TypeScript interface name (the JSON name, prefixed when a request and response collide). */
  tsName: string;
  about: string;
  fields: FieldModel[];
  /** Versions of the message in which this struct appears. */
  versions: Versions;
  /** True when a `records` field is inside (the interface then takes a type parameter). */
  hasRecords: boolean;
  /** True when an isDefault check is needed (a tagged field of this struct type). */
  needsIsDefault: boolean;
}

export interface MessageModel {
  name: string;
  kind: 'request' | 'response' | 'header';
  minVersion: number;
  maxVersion: number;
  /** Versions in which the message is flexible. */
  flexible: Versions;
  /** The first flexible version, or Infinity. */
  flexibleMin: number;
  root: StructModel;
  /** The nested structs in definition order (depth first). */
  structs: StructModel[];
}

export interface ApiModel {
  /** The API name: the request name without "Request" (Produce, DescribeTopicPartitions). */
  name: string;
  apiKey: number;
  /** kebab-case file name without extension. */
  file: string;
  minVersion: number;
  maxVersion: number;
  /** The lowest version Kafka 4.3.1 defines; lower ones come from the pre-4.0 definitions. */
  kafkaMinVersion: number;
  flexibleMin: number;
  latestVersionUnstable: boolean;
  listeners: string[];
  request: MessageModel;
  response: MessageModel;
}

export interface ProtocolModel {
  apis: ApiModel[];
  requestHeader: MessageModel;
  responseHeader: MessageModel;
  errors: { code: number; name: string; retriable: boolean; message: string | null }[];
}

const RESERVED = new Set([
  // JavaScript reserved words and the names the emitted code uses for its own variables.
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else',
  'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof',
  'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void',
  'while', 'with', 'yield', 'let', 'static', 'implements', 'interface', 'package', 'private', 'protected',
  'public', 'await', 'arguments', 'eval', 'undefined',
  'r', 'w', 'm', 'version', 'flexible', 'n', 'i', 'j', 'a', 'tag', 'size', 'tr', 'tw', 'count', 'unknown', 'u',
]);

export function camelCase(name: string): string {
  return name[0]!.toLowerCase() + name.slice(1);
}

export function kebabCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();
}

/** The name of a decode function's local for a field (reserved words get a trailing underscore). */
function localName(f: FieldModel): string {
  return RESERVED.has(f.camel) ? `${f.camel}_` : f.camel;
}

interface BuildContext {
  message: string;
  common: Map<string, NField[]>;
  commonBuilt: Map<string, StructModel>;
  structs: StructModel[];
  names: Set<string>;
}

function buildStruct(jsonName: string, about: string, fields: NField[], ctx: BuildContext, register: boolean): StructModel {
  const s: StructModel = {
    jsonName, tsName: jsonName, about, fields: [], versions: [], hasRecords: false, needsIsDefault: false,
  };
  if (register) ctx.structs.push(s);
  for (const f of fields) {
    const array = f.type.startsWith('[]');
    const base = array ? f.type.slice(2) : f.type;
    let scalar: Scalar | undefined;
    let struct: StructModel | undefined;
    if (SCALARS.has(base)) {
      scalar = base as Scalar;
    } else if (f.fields !== undefined) {
      if (ctx.names.has(base)) throw new Error(`${ctx.message}: struct ${base} defined twice`);
      ctx.names.add(base);
      struct = buildStruct(base, f.about, f.fields, ctx, true);
    } else {
      const common = ctx.common.get(base);
      if (common === undefined) throw new Error(`${ctx.message}: unknown type ${base}`);
      struct = ctx.commonBuilt.get(base);
      if (struct === undefined) {
        ctx.names.add(base);
        // Registered before its fields are built, so a struct precedes the structs it holds.
        struct = buildStruct(base, f.about, common, ctx, true);
        ctx.commonBuilt.set(base, struct);
      }
    }
    if (f.tagged.length > 0 && f.tag === undefined) throw new Error(`${ctx.message}.${f.name}: tagged without tag`);
    s.fields.push({
      name: f.name,
      camel: camelCase(f.name),
      about: f.about,
      array,
      scalar,
      struct,
      versions: f.versions,
      main: minus(f.versions, f.tagged),
      tagged: f.tagged,
      tag: f.tag,
      nullable: f.nullable,
      compact: f.compact,
      default: f.default,
      ignorable: f.ignorable,
    });
  }
  return s;
}

/** Records in which versions each struct appears, and which structs carry records. */
function markVersions(s: StructModel, ctx: Versions): void {
  s.versions = union(s.versions, ctx);
  for (const f of s.fields) {
    if (f.struct !== undefined) markVersions(f.struct, inter(f.versions, ctx));
  }
}

function markRecords(s: StructModel): boolean {
  let has = false;
  for (const f of s.fields) {
    if (f.scalar === 'records') has = true;
    if (f.struct !== undefined && markRecords(f.struct)) has = true;
  }
  s.hasRecords = has;
  return has;
}

function markIsDefault(s: StructModel): void {
  s.needsIsDefault = true;
  for (const f of s.fields) {
    if (f.struct !== undefined && !f.array && f.default !== 'null') markIsDefault(f.struct);
  }
}

function buildMessage(
  kind: MessageModel['kind'],
  current: JsonSpec,
  old: JsonSpec | undefined,
  oldRange: { lo: number; hi: number } | null,
): MessageModel {
  const range = parseRange(current.validVersions)!;
  let fields = normalizeFields(current.fields, range.lo, range.hi);
  const common = new Map<string, NField[]>();
  for (const cs of current.commonStructs ?? []) common.set(cs.name, normalizeFields(cs.fields, range.lo, range.hi));
  let flexible = expand(current.flexibleVersions, range.lo, range.hi);
  let minVersion = range.lo;
  if (old !== undefined && oldRange !== null) {
    const oldFields = normalizeFields(old.fields, oldRange.lo, oldRange.hi);
    fields = mergeFields(fields, oldFields, current.name);
    const oldCommon = new Map<string, NField[]>();
    for (const cs of old.commonStructs ?? []) {
      const n = normalizeFields(cs.fields, oldRange.lo, oldRange.hi);
      oldCommon.set(cs.name, n);
      const c = common.get(cs.name);
      common.set(cs.name, c === undefined ? n : mergeFields(c, n, `${current.name}.${cs.name}`));
    }
    for (let v = oldRange.lo; v <= oldRange.hi; v++) {
      checkOrder(fields, oldFields, v, current.name);
      for (const [name, n] of oldCommon) checkOrder(common.get(name)!, n, v, `${current.name}.${name}`);
    }
    flexible = union(flexible, expand(old.flexibleVersions, oldRange.lo, oldRange.hi));
    minVersion = oldRange.lo;
  }
  const maxVersion = range.hi;
  const flexibleMin = flexible.length === 0 ? Infinity : flexible[0]!;
  if (flexible.length > 0 && !sameSet(flexible, span(flexibleMin, maxVersion))) {
    throw new Error(`${current.name}: flexible versions are not open-ended`);
  }
  const ctx: BuildContext = { message: current.name, common, commonBuilt: new Map(), structs: [], names: new Set() };
  const root = buildStruct(current.name, '', fields, ctx, false);
  markVersions(root, span(minVersion, maxVersion));
  markRecords(root);
  for (const s of [root, ...ctx.structs]) {
    for (const f of s.fields) {
      if (f.tagged.length > 0 && f.struct !== undefined && !f.array && f.default !== 'null') markIsDefault(f.struct);
    }
  }
  return { name: current.name, kind, minVersion, maxVersion, flexible, flexibleMin, root, structs: ctx.structs };
}

export function loadModel(specDir: string = defaultSpecDir()): ProtocolModel {
  const current = readSpecs(path.join(specDir, 'messages'));
  const old = readSpecs(path.join(specDir, 'messages-pre-4.0'));
  const find = (specs: JsonSpec[], type: string, apiKey: number) =>
    specs.find((s) => s.type === type && s.apiKey === apiKey);
  const apis: ApiModel[] = [];
  for (const req of current) {
    if (req.type !== 'request' || !(req.listeners ?? []).includes('broker')) continue;
    const apiKey = req.apiKey!;
    const res = find(current, 'response', apiKey);
    if (res === undefined) throw new Error(`no response for ${req.name}`);
    if (req.flexibleVersions !== res.flexibleVersions || req.validVersions !== res.validVersions) {
      throw new Error(`${req.name}: request and response disagree on versions`);
    }
    const range = parseRange(req.validVersions)!;
    // Versions below 4.3.1's minimum come from the pre-4.0 copy. Its unstable top version is left
    // out: the share-group v0s there were early-access layouts that Kafka 4.1 removed.
    const oldReq = find(old, 'request', apiKey);
    const oldRes = find(old, 'response', apiKey);
    let oldRange: { lo: number; hi: number } | null = null;
    if (oldReq !== undefined && oldRes !== undefined) {
      const r = parseRange(oldReq.validVersions)!;
      const hi = Math.min(r.hi - (oldReq.latestVersionUnstable === true ? 1 : 0), range.lo - 1);
      if (r.lo <= hi) oldRange = { lo: r.lo, hi };
    }
    const request = buildMessage('request', req, oldReq, oldRange);
    const response = buildMessage('response', res, oldRes, oldRange);
    if (request.flexibleMin !== response.flexibleMin) throw new Error(`${req.name}: flexible versions differ`);
    const name = req.name.replace(/Request$/, '');
    nameStructs(request, response);
    apis.push({
      name,
      apiKey,
      file: kebabCase(name),
      minVersion: request.minVersion,
      maxVersion: request.maxVersion,
      kafkaMinVersion: range.lo,
      flexibleMin: request.flexibleMin,
      latestVersionUnstable: req.latestVersionUnstable === true,
      listeners: req.listeners ?? [],
      request,
      response,
    });
  }
  apis.sort((a, b) => a.apiKey - b.apiKey);
  const header = (name: string, kind: 'header') => {
    const spec = current.find((s) => s.name === name);
    if (spec === undefined) throw new Error(`no ${name}`);
    return buildMessage(kind, spec, undefined, null);
  };
  const errorsJson = JSON.parse(fs.readFileSync(path.join(specDir, 'tools', 'errors.json'), 'utf8')) as {
    errors: { code: number; name: string; retriable: boolean; message: string | null }[];
  };
  return {
    apis,
    requestHeader: header('RequestHeader', 'header'),
    responseHeader: header('ResponseHeader', 'header'),
    errors: errorsJson.errors.map((e) => ({ code: e.code, name: e.name, retriable: e.retriable, message: e.message })),
  };
}

/** Prefixes nested struct names that the request and the response of one API both use. */
function nameStructs(request: MessageModel, response: MessageModel): void {
  const reqNames = new Set(request.structs.map((s) => s.jsonName));
  const resNames = new Set(response.structs.map((s) => s.jsonName));
  const tops = new Set([request.name, response.name]);
  for (const msg of [request, response]) {
    for (const s of msg.structs) {
      if (tops.has(s.jsonName)) throw new Error(`${msg.name}: struct ${s.jsonName} collides with a message name`);
      if (reqNames.has(s.jsonName) && resNames.has(s.jsonName)) s.tsName = `${msg.name}${s.jsonName}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Emitting TypeScript

class Out {
  lines: string[] = [];
  #indent = 0;

  line(s = ''): void {
    this.lines.push(s === '' ? '' : '  '.repeat(this.#indent) + s);
  }

  open(s: string): void {
    this.line(s);
    this.#indent++;
  }

  /** Closes a block and opens the next one (`} else {`). */
  mid(s: string): void {
    this.#indent--;
    this.line(s);
    this.#indent++;
  }

  close(s = '}'): void {
    this.#indent--;
    this.line(s);
  }

  append(other: Out): void {
    for (const l of other.lines) this.lines.push(l === '' ? '' : '  '.repeat(this.#indent) + l);
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/**
 * The simplest test of `version` that is true for the versions in `set` and false for the other
 * versions of `ctx` (the versions in which the code can run).
 */
function cond(set: Versions, ctx: Versions): string {
  const s = inter(set, ctx);
  if (s.length === ctx.length) return 'true';
  if (s.length === 0) return 'false';
  const lo = ctx[0]!;
  const hi = ctx[ctx.length - 1]!;
  const parts: string[] = [];
  let i = 0;
  while (i < ctx.length) {
    if (!s.includes(ctx[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < ctx.length && s.includes(ctx[j + 1]!)) j++;
    const a = ctx[i]!;
    const b = ctx[j]!;
    if (a === lo) parts.push(`version <= ${b}`);
    else if (b === hi) parts.push(`version >= ${a}`);
    else if (a === b) parts.push(`version === ${a}`);
    else parts.push(`(version >= ${a} && version <= ${b})`);
    i = j + 1;
  }
  if (parts.length === 1 && parts[0]!.startsWith('(')) return parts[0]!.slice(1, -1);
  return parts.join(' || ');
}

/** A single-quoted TypeScript string literal. */
function quote(s: string): string {
  return `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? 'an' : 'a';
}

function not(e: string): string {
  return /^\w+$/.test(e) ? `!${e}` : `!(${e})`;
}

function paren(e: string): string {
  return /\|\||\?/.test(e) ? `(${e})` : e;
}

function jsdoc(o: Out, text: string): void {
  const t = text.replace(/\*\//g, '*\\/').trim();
  if (t === '') return;
  o.line(`/** ${t} */`);
}

class Emitter {
  readonly msg: MessageModel;
  readonly max: number;

  constructor(msg: MessageModel) {
    this.msg = msg;
    this.max = msg.maxVersion;
  }

  /** The test for compact encodings among the versions `q` of `p` (`flexible` where it fits). */
  flexCond(q: Versions, p: Versions): string {
    const s = inter(q, p);
    if (s.length === p.length) return 'true';
    if (s.length === 0) return 'false';
    if (sameSet(s, inter(p, this.msg.flexible))) return 'flexible';
    return cond(s, p);
  }

  compactSet(f: FieldModel): Versions {
    return f.compact ?? this.msg.flexible;
  }

  structRef(s: StructModel, r: string): string {
    return s.hasRecords ? `${s.tsName}<${r}>` : s.tsName;
  }

  elemType(f: FieldModel, r: string): string {
    if (f.struct !== undefined) return this.structRef(f.struct, r);
    switch (f.scalar!) {
      case 'bool':
        return 'boolean';
      case 'int64':
        return 'bigint';
      case 'uuid':
      case 'string':
        return 'string';
      case 'bytes':
        return 'Buffer';
      case 'records':
        return r;
      default:
        return 'number';
    }
  }

  fieldType(f: FieldModel, r: string): string {
    const t = f.array ? `${this.elemType(f, r)}[]` : this.elemType(f, r);
    return f.nullable.length > 0 ? `${t} | null` : t;
  }

  defaultExpr(f: FieldModel, r: string): string {
    const d = f.default;
    if (d === 'null') {
      if (f.nullable.length === 0) throw new Error(`${this.msg.name}.${f.name}: default null but never nullable`);
      return 'null';
    }
    if (f.array) return '[]';
    if (f.struct !== undefined) return `create${f.struct.tsName}${f.struct.hasRecords ? `<${r}>` : ''}()`;
    switch (f.scalar!) {
      case 'bool':
        return d === 'true' ? 'true' : 'false';
      case 'int64':
        return `${BigInt(d ?? '0')}n`;
      case 'uuid':
        if (d !== undefined && d !== '') throw new Error(`${f.name}: uuid default ${d}`);
        return 'ZERO_UUID';
      case 'string':
        return quote(d ?? '');
      case 'bytes':
        return 'EMPTY_BUFFER';
      case 'records':
        if (f.nullable.length > 0) return 'null';
        return r === 'R' ? 'EMPTY_BUFFER as R' : 'EMPTY_BUFFER';
      default: {
        const n = Number(d ?? '0');
        if (!Number.isFinite(n)) throw new Error(`${f.name}: bad default ${d}`);
        return String(n);
      }
    }
  }

  /** An expression that is true when `x` holds the field's default (Kafka compares with equals). */
  isDefaultExpr(f: FieldModel, x: string): string {
    const d = this.defaultExpr(f, 'R');
    if (d === 'null') return `${x} === null`;
    const nullable = f.nullable.length > 0;
    if (f.array || f.scalar === 'bytes' || f.scalar === 'records') {
      return nullable ? `(${x} !== null && ${x}.length === 0)` : `${x}.length === 0`;
    }
    if (f.struct !== undefined) {
      return nullable ? `(${x} !== null && isDefault${f.struct.tsName}(${x}))` : `isDefault${f.struct.tsName}(${x})`;
    }
    return `${x} === ${d}`;
  }

  notDefaultExpr(f: FieldModel, x: string): string {
    const d = this.defaultExpr(f, 'R');
    if (d === 'null') return `${x} !== null`;
    const nullable = f.nullable.length > 0;
    if (f.array || f.scalar === 'bytes' || f.scalar === 'records') {
      return nullable ? `(${x} === null || ${x}.length !== 0)` : `${x}.length !== 0`;
    }
    if (f.struct !== undefined) {
      return nullable ? `(${x} === null || !isDefault${f.struct.tsName}(${x}))` : `!isDefault${f.struct.tsName}(${x})`;
    }
    return `${x} !== ${d}`;
  }

  fieldDoc(f: FieldModel): string {
    const notes: string[] = [];
    if (!sameSet(f.versions, span(this.msg.minVersion, this.max))) notes.push(`versions ${formatVersions(f.versions, this.max)}`);
    if (f.nullable.length > 0) notes.push(`nullable ${formatVersions(f.nullable, this.max)}`);
    if (f.tagged.length > 0) notes.push(`tag ${f.tag} in ${formatVersions(f.tagged, this.max)}`);
    const about = f.about.trim();
    return notes.length === 0 ? about : `${about}${about.endsWith('.') || about === '' ? '' : '.'} (${notes.join('; ')})`.trim();
  }

  emitInterface(o: Out, s: StructModel, top: boolean): void {
    const typeParams = s.hasRecords ? '<R extends RecordsData = RecordsData>' : '';
    if (top) {
      const k = this.msg.kind;
      const notes = `Versions ${this.msg.minVersion}-${this.max}` +
        (this.msg.flexibleMin === Infinity ? ', never flexible' : `, flexible ${this.msg.flexibleMin}+`);
      jsdoc(o, `The ${k === 'header' ? this.msg.name : `${this.msg.name.replace(/(Request|Response)$/, '')} ${k}`}. ${notes}.`);
    } else {
      jsdoc(o, s.about);
    }
    o.open(`export interface ${s.tsName}${typeParams} {`);
    for (const f of s.fields) {
      jsdoc(o, this.fieldDoc(f));
      o.line(`${f.camel}: ${this.fieldType(f, 'R')};`);
    }
    if (this.msg.flexible.length > 0) {
      o.line('/** Tagged fields this codec does not know, written back as they came. */');
      o.line('_unknownTaggedFields?: UnknownTaggedField[];');
    }
    o.close();
  }

  emitCreate(o: Out, s: StructModel): void {
    jsdoc(o, `${article(s.tsName) === 'an' ? 'An' : 'A'} ${s.tsName} holding the defaults of every field.`);
    if (s.hasRecords) {
      o.open(`export function create${s.tsName}<R extends RecordsData = RecordsData>(): ${s.tsName}<R> {`);
    } else {
      o.open(`export function create${s.tsName}(): ${s.tsName} {`);
    }
    if (s.fields.length === 0) {
      o.line('return {};');
    } else {
      o.open('return {');
      for (const f of s.fields) o.line(`${f.camel}: ${this.defaultExpr(f, 'R')},`);
      o.close('};');
    }
    o.close();
  }

  emitIsDefault(o: Out, s: StructModel): void {
    o.open(`function isDefault${s.tsName}(m: ${this.structRef(s, 'RecordsData')}): boolean {`);
    const parts = s.fields.map((f) => this.isDefaultExpr(f, `m.${f.camel}`));
    if (this.msg.flexible.length > 0) parts.push('(m._unknownTaggedFields === undefined || m._unknownTaggedFields.length === 0)');
    o.line(`return ${parts.length === 0 ? 'true' : parts.join(' &&\n    ')};`);
    o.close();
  }

  versionCheck(): string {
    return `if (version < ${this.msg.minVersion} || version > ${this.max}) throw unsupportedVersion('${this.msg.name}', version);`;
  }

  // --- encoding

  /** Writes value `x` of field `f` for the versions `p`, with writer `wv`. */
  emitWrite(o: Out, f: FieldModel, x: string, p: Versions, wv: string, compactSet: Versions): void {
    const label = `'${this.msg.name}.${f.name}'`;
    const fixed = !f.array && f.scalar !== undefined ? FIXED_SIZE[f.scalar] : undefined;
    if (fixed !== undefined) {
      o.line(`${wv}.${this.fixedMethod(f.scalar!)}(${x});`);
      return;
    }
    const typeNullable = f.nullable.length > 0;
    const yes = inter(p, f.nullable);
    const lines = (ls: string[]) => ls.forEach((l) => o.line(l));
    // Null: throw where the version does not allow it, else call `write`.
    const ifNull = (subject: string, write: () => void) => {
      o.open(`if (${subject} === null) {`);
      if (yes.length === 0) {
        o.line(`throw nullError(${label}, version);`);
      } else {
        if (yes.length < p.length) o.line(`if (${not(cond(yes, p))}) throw nullError(${label}, version);`);
        write();
      }
      o.mid('} else {');
    };
    if (f.array) {
      const a = localName(f);
      o.line(`const ${a} = ${x};`);
      if (typeNullable) {
        ifNull(a, () => lines(this.variantLines(yes, compactSet, [], (compact) => [compact ? `${wv}.uvarint(0);` : `${wv}.int32(-1);`])));
      }
      lines(this.variantLines(p, compactSet, [], (compact) =>
        [compact ? `${wv}.uvarint(${a}.length + 1);` : `${wv}.int32(${a}.length);`]));
      o.open(`for (let i = 0; i < ${a}.length; i++) {`);
      if (f.struct !== undefined) o.line(`encode${f.struct.tsName}(${wv}, version, ${a}[i]!);`);
      else lines(this.variantLines(p, compactSet, [], (compact) => [this.scalarWrite(f.scalar!, `${a}[i]!`, wv, compact, false)]));
      o.close();
      if (typeNullable) o.close();
      return;
    }
    if (f.struct !== undefined) {
      const encode = `encode${f.struct.tsName}(${wv}, version, ${x});`;
      if (!typeNullable) {
        o.line(encode);
        return;
      }
      ifNull(x, () => o.line(`${wv}.int8(-1);`));
      if (yes.length === p.length) o.line(`${wv}.int8(1);`);
      else if (yes.length > 0) o.line(`if (${cond(yes, p)}) ${wv}.int8(1);`);
      o.line(encode);
      o.close();
      return;
    }
    if (f.scalar === 'records') {
      if (typeNullable && yes.length < p.length) {
        o.line(yes.length === 0
          ? `if (${x} === null) throw nullError(${label}, version);`
          : `if (${x} === null && ${not(cond(yes, p))}) throw nullError(${label}, version);`);
      }
      o.line(`writeRecords(${wv}, ${this.flexCond(inter(p, compactSet), p)}, ${x});`);
      return;
    }
    lines(this.variantLines(p, compactSet, f.nullable, (compact, nullable) => {
      const out: string[] = [];
      if (typeNullable && !nullable) out.push(`if (${x} === null) throw nullError(${label}, version);`);
      out.push(this.scalarWrite(f.scalar!, x, wv, compact, nullable));
      return out;
    }));
  }

  fixedMethod(t: Scalar): string {
    return t === 'bool' ? 'boolean' : t;
  }

  scalarWrite(t: Scalar, x: string, wv: string, compact: boolean, nullable: boolean): string {
    switch (t) {
      case 'string':
        return `${wv}.${method(compact, nullable, 'String')}(${x});`;
      case 'bytes':
        return `${wv}.${method(compact, nullable, 'Bytes')}(${x});`;
      default:
        return `${wv}.${this.fixedMethod(t)}(${x});`;
    }
  }

  /**
   * Statements (as indented lines) choosing `body` per (compact, nullable) combination that occurs
   * among the versions `p`.
   */
  variantLines(p: Versions, compactSet: Versions, nullableSet: Versions, body: (compact: boolean, nullable: boolean) => string[]): string[] {
    const byNull = (q: Versions, compact: boolean): string[] => {
      const yes = inter(q, nullableSet);
      const no = minus(q, nullableSet);
      if (yes.length > 0 && no.length > 0) return branchLines(cond(yes, q), body(compact, true), body(compact, false));
      return body(compact, yes.length > 0);
    };
    const c = inter(p, compactSet);
    const k = minus(p, compactSet);
    if (c.length > 0 && k.length > 0) return branchLines(this.flexCond(c, p), byNull(c, true), byNull(k, false));
    return byNull(p, c.length > 0);
  }

  /** The same choice as an expression. */
  exprVariants(p: Versions, compactSet: Versions, nullableSet: Versions, body: (compact: boolean, nullable: boolean) => string): string {
    const byNull = (q: Versions, compact: boolean) => {
      const yes = inter(q, nullableSet);
      const no = minus(q, nullableSet);
      if (yes.length > 0 && no.length > 0) return `(${cond(yes, q)} ? ${body(compact, true)} : ${body(compact, false)})`;
      return body(compact, yes.length > 0);
    };
    const c = inter(p, compactSet);
    const k = minus(p, compactSet);
    if (c.length > 0 && k.length > 0) return `${paren(this.flexCond(c, p))} ? ${byNull(c, true)} : ${byNull(k, false)}`;
    return byNull(p, c.length > 0);
  }

  emitEncode(o: Out, s: StructModel, top: boolean): void {
    const name = s.tsName;
    const body = new Out();
    const ctx = s.versions;
    for (const f of s.fields) {
      const p = inter(f.main, ctx);
      if (p.length === 0) continue;
      const c = cond(p, ctx);
      if (c !== 'true') body.open(`if (${c}) {`);
      this.emitWrite(body, f, `m.${f.camel}`, p, 'w', this.compactSet(f));
      if (c !== 'true') body.close();
    }
    const flex = inter(ctx, this.msg.flexible);
    if (flex.length > 0) {
      const fc = this.flexCond(flex, ctx);
      if (fc !== 'true') body.open(`if (${fc}) {`);
      const tagged = s.fields.filter((f) => inter(f.tagged, ctx).length > 0).sort((a, b) => a.tag! - b.tag!);
      if (tagged.length === 0) {
        body.line('writeTaggedFields(w, m._unknownTaggedFields);');
      } else {
        body.line('const unknown = m._unknownTaggedFields;');
        body.line('let count = unknown === undefined ? 0 : unknown.length;');
        for (const f of tagged) {
          const t = inter(f.tagged, flex);
          const vc = cond(t, flex);
          const nd = this.notDefaultExpr(f, `m.${f.camel}`);
          body.line(`const tag${f.tag} = ${vc === 'true' ? nd : `${paren(vc)} && ${nd}`};`);
          body.line(`if (tag${f.tag}) count++;`);
        }
        body.line('w.uvarint(count);');
        body.line('let u = 0;');
        for (const f of tagged) {
          body.open(`if (tag${f.tag}) {`);
          body.line(`u = writeUnknownTaggedFieldsBelow(w, unknown, u, ${f.tag});`);
          body.line(`w.uvarint(${f.tag});`);
          const fixed = !f.array && f.scalar !== undefined ? FIXED_SIZE[f.scalar] : undefined;
          if (fixed !== undefined) {
            body.line(`w.uvarint(${fixed});`);
            body.line(`w.${this.fixedMethod(f.scalar!)}(m.${f.camel});`);
          } else {
            body.line('const tw = new Writer();');
            this.emitWrite(body, f, `m.${f.camel}`, inter(f.tagged, flex), 'tw', flex);
            body.line('w.uvarint(tw.length);');
            body.line('w.writer(tw);');
          }
          body.close();
        }
        body.line('writeUnknownTaggedFieldsBelow(w, unknown, u, Infinity);');
      }
      if (fc !== 'true') body.close();
    }
    const text = body.text();
    if (top) jsdoc(o, this.msg.kind === 'header' ? `Writes ${article(name)} ${name} of header version \`version\`.` : `Writes ${article(name)} ${name} body at \`version\` (no header).`);
    o.open(`${top ? 'export ' : ''}function encode${name}(w: Writer, version: number, m: ${name}): void {`);
    if (top) o.line(this.versionCheck());
    if (/\bflexible\b/.test(text)) o.line(`const flexible = version >= ${this.msg.flexibleMin};`);
    o.append(body);
    o.close();
  }

  // --- decoding

  /** The smallest encoding of one element of array field `f` among versions `p`. */
  elemMinSize(f: FieldModel, p: Versions, compact: boolean): number {
    let min = Infinity;
    for (const v of p) {
      const size = f.struct !== undefined ? this.structMinSize(f.struct, v) : this.scalarMinSize(f.scalar!, compact);
      min = Math.min(min, size);
    }
    if (!(min >= 1)) throw new Error(`${this.msg.name}.${f.name}: element min size ${min}`);
    return min;
  }

  scalarMinSize(t: Scalar, compact: boolean): number {
    const fixed = FIXED_SIZE[t];
    if (fixed !== undefined) return fixed;
    if (t === 'string') return compact ? 1 : 2;
    return compact ? 1 : 4;
  }

  structMinSize(s: StructModel, v: number): number {
    let size = this.msg.flexible.includes(v) ? 1 : 0;
    for (const f of s.fields) {
      if (!f.main.includes(v)) continue;
      const compact = this.compactSet(f).includes(v);
      if (f.array) size += compact ? 1 : 4;
      else if (f.struct !== undefined) size += f.nullable.includes(v) ? 1 : this.structMinSize(f.struct, v);
      else size += this.scalarMinSize(f.scalar!, compact);
    }
    return size;
  }

  scalarRead(t: Scalar, rv: string, compact: boolean, nullable: boolean): string {
    switch (t) {
      case 'string':
        return `${rv}.${method(compact, nullable, 'String')}()`;
      case 'bytes':
      case 'records':
        return `${rv}.${method(compact, nullable, 'Bytes')}()`;
      default:
        return `${rv}.${this.fixedMethod(t)}()`;
    }
  }

  /** Statements that read field `f` (versions `p`) with reader `rv` and assign `lhs`. */
  emitRead(o: Out, f: FieldModel, lhs: string, p: Versions, rv: string, compactSet: Versions, ownBlock = true): void {
    const label = `'${this.msg.name}.${f.name}'`;
    if (!f.array) {
      let e: string;
      if (f.struct !== undefined) {
        const s = f.struct;
        e = this.exprVariants(p, compactSet, f.nullable, (_compact, nullable) =>
          nullable ? `(${rv}.int8() < 0 ? null : decode${s.tsName}(${rv}, version))` : `decode${s.tsName}(${rv}, version)`);
      } else if (FIXED_SIZE[f.scalar!] !== undefined) {
        e = this.scalarRead(f.scalar!, rv, false, false);
      } else {
        e = this.exprVariants(p, compactSet, f.nullable, (compact, nullable) => this.scalarRead(f.scalar!, rv, compact, nullable));
      }
      o.line(`${lhs} = ${e};`);
      return;
    }
    const c = inter(p, compactSet);
    const k = minus(p, compactSet);
    const cLen = c.length > 0 ? `${rv}.compactArrayLength(${this.elemMinSize(f, c, true)})` : '';
    const kLen = k.length > 0 ? `${rv}.arrayLength(${this.elemMinSize(f, k, false)})` : '';
    if (ownBlock) o.open('{');
    o.line(`const n = ${c.length > 0 && k.length > 0 ? `${paren(this.flexCond(c, p))} ? ${cLen} : ${kLen}` : cLen || kLen}`.trimEnd() + ';');
    const yes = inter(p, f.nullable);
    if (yes.length === 0) {
      o.line(`if (n < 0) throw nullError(${label}, version);`);
    } else if (yes.length === p.length) {
      o.open('if (n < 0) {');
      o.line(`${lhs} = null;`);
      o.mid('} else {');
    } else {
      o.open('if (n < 0) {');
      o.line(`if (${not(cond(yes, p))}) throw nullError(${label}, version);`);
      o.line(`${lhs} = null;`);
      o.mid('} else {');
    }
    o.line(`${lhs} = [];`);
    let elem: string;
    if (f.struct !== undefined) {
      elem = `decode${f.struct.tsName}(${rv}, version)`;
    } else if (FIXED_SIZE[f.scalar!] !== undefined) {
      elem = this.scalarRead(f.scalar!, rv, false, false);
    } else {
      elem = this.exprVariants(p, compactSet, [], (compact) => this.scalarRead(f.scalar!, rv, compact, false));
    }
    o.line(`for (let i = 0; i < n; i++) ${lhs}.push(${elem});`);
    if (yes.length > 0) o.close();
    if (ownBlock) o.close();
  }

  emitDecode(o: Out, s: StructModel, top: boolean): void {
    const name = s.tsName;
    const ret = this.structRef(s, 'Buffer');
    const body = new Out();
    const ctx = s.versions;
    for (const f of s.fields) {
      const p = inter(f.main, ctx);
      const local = localName(f);
      if (p.length === 0) continue;
      const c = cond(p, ctx);
      if (c === 'true' && !f.array) {
        const tmp = new Out();
        this.emitRead(tmp, f, `const ${local}`, p, 'r', this.compactSet(f));
        body.append(tmp);
        continue;
      }
      if (c === 'true') {
        body.line(`let ${local}: ${this.fieldType(f, 'Buffer')};`);
        this.emitRead(body, f, local, p, 'r', this.compactSet(f));
        continue;
      }
      body.line(`let ${local}: ${this.fieldType(f, 'Buffer')} = ${this.defaultExpr(f, 'Buffer')};`);
      if (f.array) {
        body.open(`if (${c}) {`);
        this.emitRead(body, f, local, p, 'r', this.compactSet(f), false);
        body.close();
      } else {
        const tmp = new Out();
        this.emitRead(tmp, f, local, p, 'r', this.compactSet(f));
        body.line(`if (${c}) ${tmp.lines[0]!.trim()}`);
      }
    }
    const parts = s.fields.map((f) => {
      const p = inter(f.main, ctx);
      if (p.length === 0) return `${f.camel}: ${this.defaultExpr(f, 'Buffer')}`;
      const local = localName(f);
      return local === f.camel ? f.camel : `${f.camel}: ${local}`;
    });
    const literal = parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`;
    const flex = inter(ctx, this.msg.flexible);
    if (flex.length === 0) {
      body.line(`return ${literal};`);
    } else {
      body.line(`const m: ${ret} = ${literal};`);
      const fc = this.flexCond(flex, ctx);
      if (fc !== 'true') body.open(`if (${fc}) {`);
      const tagged = s.fields.filter((f) => inter(f.tagged, ctx).length > 0).sort((a, b) => a.tag! - b.tag!);
      if (tagged.length === 0) {
        body.line('const unknown = readTaggedFields(r);');
        body.line('if (unknown !== undefined) m._unknownTaggedFields = unknown;');
      } else {
        body.line('const count = r.uvarint();');
        body.open('for (let j = 0; j < count; j++) {');
        body.line('const tag = r.uvarint();');
        body.line('const size = r.uvarint();');
        let first = true;
        for (const f of tagged) {
          const t = inter(f.tagged, flex);
          const vc = cond(t, flex);
          const test = vc === 'true' ? `tag === ${f.tag}` : `tag === ${f.tag} && ${paren(vc)}`;
          if (first) body.open(`if (${test}) {`);
          else body.mid(`} else if (${test}) {`);
          first = false;
          body.line('const tr = new Reader(r.raw(size));');
          this.emitRead(body, f, `m.${f.camel}`, t, 'tr', flex, false);
        }
        body.mid('} else {');
        body.line('(m._unknownTaggedFields ??= []).push({ tag, data: r.raw(size) });');
        body.close();
        body.close();
      }
      if (fc !== 'true') body.close();
      body.line('return m;');
    }
    const text = body.text();
    if (top) {
      jsdoc(o, this.msg.kind === 'header'
        ? `Reads ${article(name)} ${name} of header version \`version\`. Throws ProtocolError on malformed input.`
        : `Reads ${article(name)} ${name} body at \`version\` (no header). Throws ProtocolError on malformed input.`);
    }
    o.open(`${top ? 'export ' : ''}function decode${name}(r: Reader, version: number): ${ret} {`);
    if (top) o.line(this.versionCheck());
    if (/\bflexible\b/.test(text)) o.line(`const flexible = version >= ${this.msg.flexibleMin};`);
    o.append(body);
    o.close();
  }

  interfaces(o: Out): void {
    this.emitInterface(o, this.msg.root, true);
    for (const s of this.msg.structs) {
      o.line();
      this.emitInterface(o, s, false);
    }
  }

  creates(o: Out): void {
    for (const s of [this.msg.root, ...this.msg.structs]) {
      o.line();
      this.emitCreate(o, s);
    }
    for (const s of this.msg.structs) {
      if (!s.needsIsDefault) continue;
      o.line();
      this.emitIsDefault(o, s);
    }
  }

  codecs(o: Out): void {
    o.line();
    this.emitEncode(o, this.msg.root, true);
    o.line();
    this.emitDecode(o, this.msg.root, true);
    for (const s of this.msg.structs) {
      o.line();
      this.emitEncode(o, s, false);
      o.line();
      this.emitDecode(o, s, false);
    }
  }
}

/** An if/else over two lists of statements, on one line each when they are single statements. */
function branchLines(test: string, a: string[], b: string[]): string[] {
  if (a.length === 1 && b.length === 1 && !a[0]!.startsWith('if ')) return [`if (${test}) ${a[0]}`, `else ${b[0]}`];
  return [`if (${test}) {`, ...a.map((l) => `  ${l}`), '} else {', ...b.map((l) => `  ${l}`), '}'];
}

function method(compact: boolean, nullable: boolean, kind: 'String' | 'Bytes'): string {
  const name = `${compact ? 'compact' : ''}${nullable ? 'Nullable' : ''}${kind}`;
  return name[0]!.toLowerCase() + name.slice(1);
}

// ---------------------------------------------------------------------------------------------
// Files

const BANNER = [
  `// Generated by scripts/gen-protocol.ts from Apache Kafka ${KAFKA_VERSION} message definitions. Do not edit.`,
  '// Regenerate with `npm run gen:protocol` (see docs/protocol.md).',
];

/** The import lines a generated message file needs, found from the code it uses. */
function imports(code: string): string[] {
  const lines: string[] = [];
  const used = (re: RegExp) => re.test(code);
  if (used(/new Reader\(/)) lines.push("import { Reader } from '../primitives/reader.ts';");
  else if (used(/\bReader\b/)) lines.push("import type { Reader } from '../primitives/reader.ts';");
  if (used(/new Writer\(/)) lines.push("import { Writer } from '../primitives/writer.ts';");
  else if (used(/\bWriter\b/)) lines.push("import type { Writer } from '../primitives/writer.ts';");
  if (used(/\bZERO_UUID\b/)) lines.push("import { ZERO_UUID } from '../primitives/uuid.ts';");
  const values = ['EMPTY_BUFFER', 'nullError', 'readTaggedFields', 'unsupportedVersion', 'writeRecords',
    'writeTaggedFields', 'writeUnknownTaggedFieldsBelow'].filter((n) => used(new RegExp(`\\b${n}\\b`)));
  const types = ['RecordsData', 'UnknownTaggedField'].filter((n) => used(new RegExp(`\\b${n}\\b`)));
  const names = [...values, ...types.map((t) => `type ${t}`)];
  if (names.length > 0) lines.push(`import { ${names.join(', ')} } from '../primitives/tagged.ts';`);
  return lines;
}

function messageFile(summary: string[], messages: MessageModel[]): string {
  const body = new Out();
  const emitters = messages.map((m) => new Emitter(m));
  for (const e of emitters) {
    body.line();
    e.interfaces(body);
  }
  for (const e of emitters) e.creates(body);
  for (const e of emitters) e.codecs(body);
  const code = body.text();
  return [...BANNER, ...summary, '', ...imports(code), code, ''].join('\n');
}

function apiFile(api: ApiModel): string {
  const range = (lo: number, hi: number) => (lo === hi ? `${lo}` : `${lo}-${hi}`);
  const summary = [
    `//`,
    `// ${api.name} (key ${api.apiKey}): versions ${range(api.minVersion, api.maxVersion)}` +
      (api.flexibleMin === Infinity ? ', never flexible' : `, flexible ${api.flexibleMin}+`) +
      `; listeners: ${api.listeners.join(', ')}.`,
  ];
  if (api.kafkaMinVersion > api.minVersion) {
    summary.push(`// Versions ${range(api.minVersion, api.kafkaMinVersion - 1)} come from the pre-4.0 definitions (removed by KIP-896).`);
  }
  if (api.latestVersionUnstable) summary.push(`// Version ${api.maxVersion} is unstable (latestVersionUnstable).`);
  return messageFile(summary, [api.request, api.response]);
}

function headerFile(msg: MessageModel): string {
  return messageFile(['//', `// ${msg.name}: versions ${msg.minVersion}-${msg.maxVersion}.`], [msg]);
}

function apisFile(model: ProtocolModel): string {
  const o = new Out();
  for (const l of BANNER) o.line(l);
  o.line('//');
  o.line(`// The API table: the ${model.apis.length} APIs whose requests Kafka ${KAFKA_VERSION} accepts on broker listeners,`);
  o.line('// with the versions this codec knows (including the pre-4.0 ones), header versions and codecs.');
  o.line('// Which versions a broker advertises and serves is the broker\'s decision (see dispatch).');
  o.line('');
  o.line('//');
  o.line("// Each API's message module is loaded on the first use of its codecs (a synchronous");
  o.line('// require() of an ES module): a broker meets a dozen of these APIs, and loading all of them');
  o.line('// at start cost ~10 MB of resident memory (bench: idle RSS). Import a message module, or');
  o.line('// ./index.ts, directly for its functions by name.');
  o.line('');
  o.line("import { createRequire } from 'node:module';");
  o.line("import type { Reader } from '../primitives/reader.ts';");
  o.line("import type { Writer } from '../primitives/writer.ts';");
  for (const api of model.apis) {
    o.line(`import type { ${api.request.root.tsName}, ${api.response.root.tsName} } from './${api.file}.ts';`);
  }
  o.line('');
  o.line('const load = createRequire(import.meta.url);');
  o.line('/** This file\'s own extension: .ts run from source, .js once compiled, as the modules beside it. */');
  o.line("const EXTENSION = import.meta.url.slice(import.meta.url.lastIndexOf('.'));");
  o.line('');
  o.line('/**');
  o.line(' * A getter that loads `./file` on its first call: beside this file in src/ and dist/, and in');
  o.line(" * the CLI's bundle, whose chunks and codecs share one directory (bin/build.js finds these");
  o.line(' * calls in the compiled file and makes each codec an entry point).');
  o.line(' */');
  o.open('function lazy<M>(file: string): () => M {');
  o.line('let loaded: M | undefined;');
  o.line('return () => (loaded ??= load(`./${file}${EXTENSION}`) as M);');
  o.close();
  o.line('');
  for (const api of model.apis) o.line(`const ${moduleVar(api)} = lazy<typeof import('./${api.file}.ts')>('${api.file}');`);
  o.line('');
  o.line('/** One API: its key, versions, header versions and codecs. */');
  o.open('export interface ApiDef<Req = unknown, Res = unknown, DecodedReq = Req, DecodedRes = Res, Messages = unknown> {');
  o.line('readonly apiKey: number;');
  o.line('readonly name: ApiName;');
  o.line('/** The lowest version this codec knows (may be below Kafka 4.3.1\'s, see kafkaMinVersion). */');
  o.line('readonly minVersion: number;');
  o.line('readonly maxVersion: number;');
  o.line('/** The lowest version Kafka 4.3.1 defines; lower ones come from the pre-4.0 definitions (KIP-896). */');
  o.line('readonly kafkaMinVersion: number;');
  o.line('/** The first flexible version (compact encodings, tagged fields), or Infinity. */');
  o.line('readonly flexibleMinVersion: number;');
  o.line('/** True when maxVersion is still unstable in Kafka (not advertised unless enabled). */');
  o.line('readonly latestVersionUnstable: boolean;');
  o.line('readonly listeners: readonly string[];');
  o.line('/** Request header version for an API version: 2 when flexible, else 1. */');
  o.line('requestHeaderVersion(version: number): number;');
  o.line('/** Response header version: 1 when flexible, else 0 (ApiVersions: always 0). */');
  o.line('responseHeaderVersion(version: number): number;');
  o.line('createRequest(): Req;');
  o.line('createResponse(): Res;');
  o.line('encodeRequest(w: Writer, version: number, m: Req): void;');
  o.line('decodeRequest(r: Reader, version: number): DecodedReq;');
  o.line('encodeResponse(w: Writer, version: number, m: Res): void;');
  o.line('decodeResponse(r: Reader, version: number): DecodedRes;');
  o.line('/** The API\'s message module (loaded on this call if it was not yet): creators of its nested structs. */');
  o.line('messages(): Messages;');
  o.close();
  o.line('');
  o.line(`export type ApiName = ${model.apis.map((a) => `'${a.name}'`).join(' | ')};`);
  o.line('');
  o.line('/** API keys by name. */');
  o.open('export const ApiKey = {');
  for (const api of model.apis) o.line(`${api.name}: ${api.apiKey},`);
  o.close('} as const;');
  o.line('');
  o.open('export interface ApiTable {');
  for (const api of model.apis) {
    const req = api.request.root;
    const res = api.response.root;
    const dreq = req.hasRecords ? `${req.tsName}<Buffer>` : req.tsName;
    const dres = res.hasRecords ? `${res.tsName}<Buffer>` : res.tsName;
    o.line(`readonly ${api.name}: ApiDef<${req.tsName}, ${res.tsName}, ${dreq}, ${dres}, typeof import('./${api.file}.ts')>;`);
  }
  o.close();
  o.line('');
  o.open('function headerVersions(flexibleMin: number, responseAlwaysV0: boolean) {');
  o.open('return {');
  o.line('requestHeaderVersion: (version: number): number => (version >= flexibleMin ? 2 : 1),');
  o.line('responseHeaderVersion: (version: number): number => (!responseAlwaysV0 && version >= flexibleMin ? 1 : 0),');
  o.close('};');
  o.close();
  o.line('');
  o.open('export const API: ApiTable = {');
  for (const api of model.apis) {
    const req = api.request.root.tsName;
    const res = api.response.root.tsName;
    o.open(`${api.name}: {`);
    o.line(`apiKey: ${api.apiKey},`);
    o.line(`name: '${api.name}',`);
    o.line(`minVersion: ${api.minVersion},`);
    o.line(`maxVersion: ${api.maxVersion},`);
    o.line(`kafkaMinVersion: ${api.kafkaMinVersion},`);
    o.line(`flexibleMinVersion: ${api.flexibleMin === Infinity ? 'Infinity' : api.flexibleMin},`);
    o.line(`latestVersionUnstable: ${api.latestVersionUnstable},`);
    o.line(`listeners: [${api.listeners.map((l) => `'${l}'`).join(', ')}],`);
    // ApiVersions responses always use header v0, so that a client can read the error code of
    // an UNSUPPORTED_VERSION answer whatever version it asked for (KIP-511).
    o.line(`...headerVersions(${api.flexibleMin === Infinity ? 'Infinity' : api.flexibleMin}, ${api.apiKey === 18}),`);
    const m = moduleVar(api);
    o.line(`createRequest: () => ${m}().create${req}(),`);
    o.line(`createResponse: () => ${m}().create${res}(),`);
    o.line(`encodeRequest: (w, v, message) => ${m}().encode${req}(w, v, message),`);
    o.line(`decodeRequest: (r, v) => ${m}().decode${req}(r, v),`);
    o.line(`encodeResponse: (w, v, message) => ${m}().encode${res}(w, v, message),`);
    o.line(`decodeResponse: (r, v) => ${m}().decode${res}(r, v),`);
    o.line(`messages: ${m},`);
    o.close('},');
  }
  o.close('};');
  o.line('');
  o.line('/** The APIs by key (a sparse array: keys not served on broker listeners are holes). */');
  o.line('export const API_BY_KEY: readonly (ApiDef | undefined)[] = (() => {');
  o.line('  const byKey: (ApiDef | undefined)[] = [];');
  o.line('  for (const api of Object.values(API) as ApiDef[]) byKey[api.apiKey] = api;');
  o.line('  return byKey;');
  o.line('})();');
  o.line('');
  return o.text();
}

/** The name of an API's lazy module getter in apis.ts: fetchMessages, produceMessages, ... */
function moduleVar(api: { name: string }): string {
  return `${api.name[0]!.toLowerCase()}${api.name.slice(1)}Messages`;
}

function errorsFile(model: ProtocolModel): string {
  const o = new Out();
  for (const l of BANNER) o.line(l);
  o.line('// Source: tools/errors.json, extracted from Errors.java.');
  o.line('');
  const errors = [...model.errors].sort((a, b) => (a.code === 0 ? -1 : b.code === 0 ? 1 : a.code - b.code));
  o.line('/** Kafka error codes by name. */');
  o.open('export const ErrorCode = {');
  for (const e of errors) o.line(`${e.name}: ${e.code},`);
  o.close('} as const;');
  o.line('');
  o.line('export type ErrorCodeName = keyof typeof ErrorCode;');
  o.line('');
  o.open('export interface KafkaErrorInfo {');
  o.line('readonly code: number;');
  o.line('readonly name: ErrorCodeName;');
  o.line('/** True when Kafka\'s exception for the code extends RetriableException. */');
  o.line('readonly retriable: boolean;');
  o.line('/** Kafka\'s default message for the code (null for NONE). */');
  o.line('readonly message: string | null;');
  o.close();
  o.line('');
  o.line('/** Every error code with its name, retriability and Kafka\'s default message. */');
  o.open('export const ERRORS: ReadonlyMap<number, KafkaErrorInfo> = new Map<number, KafkaErrorInfo>([');
  for (const e of errors) {
    o.line(`[${e.code}, { code: ${e.code}, name: '${e.name}', retriable: ${e.retriable}, message: ${e.message === null ? 'null' : JSON.stringify(e.message)} }],`);
  }
  o.close(']);');
  o.line('');
  return o.text();
}

/** The generated index: every message type and function, and the tables. */
function indexFile(model: ProtocolModel, files: Map<string, string>): string {
  const o = new Out();
  for (const l of BANNER) o.line(l);
  o.line('//');
  o.line('// Re-exports every generated symbol. A nested struct name that more than one API file uses');
  o.line('// (NodeEndpoint, PartitionData, ...) is reachable through the API\'s namespace below. The');
  o.line('// header codecs are used through src/protocol/frame.ts.');
  o.line('');
  const exported = new Map<string, string[]>();
  const typeOnly = new Set<string>();
  for (const [file, text] of files) {
    if (!file.endsWith('.ts') || file === 'apis.ts' || file === 'error-codes.ts') continue;
    const header = file.endsWith('-header.ts');
    for (const m of text.matchAll(/^export (interface|function) (\w+)/gm)) {
      const name = m[2]!;
      // The header codecs are used through src/protocol/frame.ts, whose names they would shadow.
      if (header && m[1] === 'function') continue;
      if (m[1] === 'interface') typeOnly.add(name);
      exported.set(name, [...(exported.get(name) ?? []), file]);
    }
  }
  const byFile = new Map<string, string[]>();
  for (const [name, where] of exported) {
    if (where.length !== 1) continue;
    byFile.set(where[0]!, [...(byFile.get(where[0]!) ?? []), typeOnly.has(name) ? `type ${name}` : name]);
  }
  for (const file of [...byFile.keys()].sort()) {
    const names = byFile.get(file)!;
    o.line(`export {`);
    for (const n of names) o.line(`  ${n},`);
    o.line(`} from './${file}';`);
  }
  o.line('');
  o.line('// Every API file as a namespace named after the API, for the shared nested names:');
  o.line('// Fetch.PartitionData, Fetch.createPartitionData().');
  for (const api of model.apis) {
    if (exported.has(api.name)) throw new Error(`API name ${api.name} collides with a generated symbol`);
    o.line(`export * as ${api.name} from './${api.file}.ts';`);
  }
  o.line('');
  o.line("export * from './apis.ts';");
  o.line("export * from './error-codes.ts';");
  o.line('');
  return o.text();
}

/** Every generated file, by name, as text. */
export function generateFiles(specDir: string = defaultSpecDir()): { files: Map<string, string>; model: ProtocolModel } {
  const model = loadModel(specDir);
  const files = new Map<string, string>();
  for (const api of model.apis) files.set(`${api.file}.ts`, apiFile(api));
  files.set('request-header.ts', headerFile(model.requestHeader));
  files.set('response-header.ts', headerFile(model.responseHeader));
  files.set('apis.ts', apisFile(model));
  files.set('error-codes.ts', errorsFile(model));
  files.set('index.ts', indexFile(model, files));
  return { files, model };
}

function main(): void {
  const outArg = process.argv.indexOf('--out');
  const outDir = outArg >= 0 ? path.resolve(process.argv[outArg + 1]!) : GENERATED_DIR;
  const { files, model } = generateFiles();
  fs.mkdirSync(outDir, { recursive: true });
  for (const name of fs.readdirSync(outDir)) {
    if (name.endsWith('.ts') && !files.has(name)) fs.rmSync(path.join(outDir, name));
  }
  for (const [name, text] of files) fs.writeFileSync(path.join(outDir, name), text);
  const served = model.apis.map((a) => `${a.name} ${a.minVersion}-${a.maxVersion}`);
  console.log(`gen-protocol: ${model.apis.length} APIs on broker listeners, ${files.size} files in ${path.relative(process.cwd(), outDir) || '.'}`);
  console.log(served.join(', '));
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
