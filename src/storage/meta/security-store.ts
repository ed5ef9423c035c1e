// Security metadata of a single broker: SCRAM credentials and ACLs, in their own metadata
// log file (runnel-security.log) beside runnel-metadata.log, with the same framing (length,
// CRC32C, format version, type, JSON payload; metadata-log.ts). Record types are numbered
// from 20 so that they never collide with the topic store's and the two logs can be merged.
//
// Only what Kafka keeps is stored: for SCRAM, the salt, iteration count, StoredKey and
// ServerKey (RFC 5802), never the salted password the client sent; for ACLs, the binding.

import { CorruptLogError, StorageError } from '../../errors.ts';
import type { FileSystem } from '../fs.ts';
import type { StorageLogger } from '../logger.ts';
import { MetadataLog, type MetadataRecord } from './metadata-log.ts';

export const SECURITY_LOG = 'runnel-security.log';

export const SECURITY_RECORD_TYPE = {
  /** { user, mechanism, salt (base64), iterations, storedKey (base64), serverKey (base64) } */
  SCRAM_CREDENTIAL: 20,
  /** { user, mechanism } */
  REMOVE_SCRAM_CREDENTIAL: 21,
  /** { resourceType, resourceName, patternType, principal, host, operation, permissionType } */
  ACL: 22,
  /** The same fields as ACL: removes that exact binding. */
  REMOVE_ACL: 23,
} as const;

export interface StoredScramCredential {
  readonly user: string;
  /** 'SCRAM-SHA-256' or 'SCRAM-SHA-512'. */
  readonly mechanism: string;
  readonly salt: Buffer;
  readonly iterations: number;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

/** An ACL binding with Kafka's numeric codes (AclResourceType, PatternType, AclOperation, AclPermissionType). */
export interface StoredAcl {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly patternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

const COMPACT_SLACK = 256;

function aclKey(a: StoredAcl): string {
  return JSON.stringify([a.resourceType, a.resourceName, a.patternType, a.principal, a.host, a.operation, a.permissionType]);
}

export class SecurityStore {
  #log: MetadataLog;
  #scram = new Map<string, StoredScramCredential>();
  #acls = new Map<string, StoredAcl>();

  private constructor(log: MetadataLog) {
    this.#log = log;
  }

  static open(fs: FileSystem, path: string, logger: StorageLogger): SecurityStore {
    const { log, records } = MetadataLog.open(fs, path, logger);
    const store = new SecurityStore(log);
    for (const r of records) store.#apply(r, path);
    store.#maybeCompact();
    return store;
  }

  #apply(r: MetadataRecord, path: string): void {
    const p = r.payload as Record<string, unknown>;
    const bad = (what: string): never => {
      throw new CorruptLogError(`${path}: malformed ${what} record: ${JSON.stringify(p)}`);
    };
    if (typeof p !== 'object' || p === null) bad('security');
    switch (r.type) {
      case SECURITY_RECORD_TYPE.SCRAM_CREDENTIAL: {
        const { user, mechanism, salt, iterations, storedKey, serverKey } = p;
        if (typeof user !== 'string' || typeof mechanism !== 'string' || typeof salt !== 'string' || !Number.isInteger(iterations) || typeof storedKey !== 'string' || typeof serverKey !== 'string') {
          bad('SCRAM_CREDENTIAL');
        }
        this.#scram.set(`${mechanism}\0${user}`, Object.freeze({
          user: user as string,
          mechanism: mechanism as string,
          salt: Buffer.from(salt as string, 'base64'),
          iterations: iterations as number,
          storedKey: Buffer.from(storedKey as string, 'base64'),
          serverKey: Buffer.from(serverKey as string, 'base64'),
        }));
        return;
      }
      case SECURITY_RECORD_TYPE.REMOVE_SCRAM_CREDENTIAL:
        if (typeof p['user'] !== 'string' || typeof p['mechanism'] !== 'string') bad('REMOVE_SCRAM_CREDENTIAL');
        this.#scram.delete(`${p['mechanism']}\0${p['user']}`);
        return;
      case SECURITY_RECORD_TYPE.ACL:
      case SECURITY_RECORD_TYPE.REMOVE_ACL: {
        const ints = ['resourceType', 'patternType', 'operation', 'permissionType'];
        const strings = ['resourceName', 'principal', 'host'];
        if (!ints.every((k) => Number.isInteger(p[k])) || !strings.every((k) => typeof p[k] === 'string')) bad('ACL');
        const acl = Object.freeze({
          resourceType: p['resourceType'] as number,
          resourceName: p['resourceName'] as string,
          patternType: p['patternType'] as number,
          principal: p['principal'] as string,
          host: p['host'] as string,
          operation: p['operation'] as number,
          permissionType: p['permissionType'] as number,
        });
        if (r.type === SECURITY_RECORD_TYPE.ACL) this.#acls.set(aclKey(acl), acl);
        else this.#acls.delete(aclKey(acl));
        return;
      }
      default:
        throw new StorageError(`${path}: unknown security record type ${r.type}`);
    }
  }

  #commit(r: MetadataRecord): void {
    this.#log.append(r);
    this.#apply(r, this.#log.path);
    this.#maybeCompact();
  }

  #snapshot(): MetadataRecord[] {
    return [
      ...[...this.#scram.values()].map((c) => scramRecord(c)),
      ...[...this.#acls.values()].map((a) => ({ type: SECURITY_RECORD_TYPE.ACL, payload: { ...a } })),
    ];
  }

  #maybeCompact(): void {
    if (this.#log.recordCount <= this.#scram.size + this.#acls.size + COMPACT_SLACK) return;
    this.#log.rewrite(this.#snapshot());
  }

  scramCredential(user: string, mechanism: string): StoredScramCredential | undefined {
    return this.#scram.get(`${mechanism}\0${user}`);
  }

  scramCredentials(): StoredScramCredential[] {
    return [...this.#scram.values()];
  }

  putScramCredential(c: StoredScramCredential): void {
    this.#commit(scramRecord(c));
  }

  removeScramCredential(user: string, mechanism: string): void {
    this.#commit({ type: SECURITY_RECORD_TYPE.REMOVE_SCRAM_CREDENTIAL, payload: { user, mechanism } });
  }

  acls(): StoredAcl[] {
    return [...this.#acls.values()];
  }

  hasAcl(a: StoredAcl): boolean {
    return this.#acls.has(aclKey(a));
  }

  addAcl(a: StoredAcl): void {
    if (!this.hasAcl(a)) this.#commit({ type: SECURITY_RECORD_TYPE.ACL, payload: { ...a } });
  }

  removeAcl(a: StoredAcl): void {
    if (this.hasAcl(a)) this.#commit({ type: SECURITY_RECORD_TYPE.REMOVE_ACL, payload: { ...a } });
  }

  close(): void {
    this.#log.close();
  }
}

function scramRecord(c: StoredScramCredential): MetadataRecord {
  return {
    type: SECURITY_RECORD_TYPE.SCRAM_CREDENTIAL,
    payload: {
      user: c.user,
      mechanism: c.mechanism,
      salt: c.salt.toString('base64'),
      iterations: c.iterations,
      storedKey: c.storedKey.toString('base64'),
      serverKey: c.serverKey.toString('base64'),
    },
  };
}
