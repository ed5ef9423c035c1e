// Listeners as Kafka configures them: `listeners` (NAME://host:port, several at once),
// `advertised.listeners` (matched by name; a listener not named there advertises its own
// address), `listener.security.protocol.map` (NAME:PROTOCOL; by default each of PLAINTEXT,
// SSL, SASL_PLAINTEXT and SASL_SSL maps to itself) and `inter.broker.listener.name`.
//
// Per-listener settings follow Kafka's prefix rule: `listener.name.<name lowercased>.<key>`
// wins over `<key>`. TLS material is PEM (or PKCS12), as node:tls takes it:
//   ssl.keystore.type=PEM with ssl.keystore.location (a file holding the key and the
//   certificate chain) and ssl.key.password, or ssl.keystore.certificate.chain and
//   ssl.keystore.key inline; ssl.keystore.type=PKCS12 with ssl.keystore.location and
//   ssl.keystore.password; ssl.truststore.location (a PEM file of CA certificates) or
//   ssl.truststore.certificates inline. JKS stores are refused with a clear error.
// ssl.client.auth none|requested|required: with a client certificate, the principal is
// User:<subject distinguished name in RFC 2253 order>, as Kafka's default SSL principal
// builder makes it (User:CN=alice,OU=...); without one it is User:ANONYMOUS.

import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TlsOptions } from 'node:tls';
import { ConfigError } from '../errors.ts';
import { sslPrincipalMapper, type SslPrincipalMapper } from './auth/ssl-principal-mapper.ts';
import type { BrokerConfig } from './config/broker-config.ts';
import { parseListeners } from './config/broker-config.ts';

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
const PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

export interface ListenerSpec {
  /** Upper-case listener name, e.g. PLAINTEXT, CLIENT, INTERNAL. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: SecurityProtocol;
  /** From advertised.listeners, when it names this listener. */
  readonly advertised: { readonly host: string; readonly port: number } | undefined;
}

export function isTls(p: SecurityProtocol): boolean {
  return p === 'SSL' || p === 'SASL_SSL';
}

export function isSasl(p: SecurityProtocol): boolean {
  return p === 'SASL_PLAINTEXT' || p === 'SASL_SSL';
}

/** listener.security.protocol.map as a map from upper-case listener name to protocol. */
export function securityProtocolMap(config: BrokerConfig): Map<string, SecurityProtocol> {
  const value = config.get('listener.security.protocol.map');
  const out = new Map<string, SecurityProtocol>();
  if (value === null || value.trim() === '') {
    for (const p of PROTOCOLS) out.set(p, p);
    return out;
  }
  for (const entry of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Za-z0-9_]+):([A-Za-z_]+)$/.exec(entry);
    const protocol = m?.[2]!.toUpperCase() as SecurityProtocol;
    if (!m || !PROTOCOLS.includes(protocol)) {
      throw new ConfigError(`Invalid value ${value} for configuration listener.security.protocol.map: entry ${JSON.stringify(entry)} is not NAME:PROTOCOL with one of ${PROTOCOLS.join(', ')}`);
    }
    out.set(m[1]!.toUpperCase(), protocol);
  }
  return out;
}

/** The listeners to open, checked as Kafka checks them at start. */
export function resolveListeners(config: BrokerConfig): ListenerSpec[] {
  const listeners = parseListeners(config.get('listeners') ?? '');
  if (listeners.length === 0) throw new ConfigError('listeners must name at least one listener');
  const map = securityProtocolMap(config);
  const names = new Set<string>();
  const ports = new Set<number>();
  for (const l of listeners) {
    if (names.has(l.name)) throw new ConfigError(`Each listener must have a different name, but ${l.name} appears more than once in listeners`);
    names.add(l.name);
    if (l.port !== 0) {
      if (ports.has(l.port)) throw new ConfigError(`Each listener must have a different port, but ${l.port} appears more than once in listeners`);
      ports.add(l.port);
    }
    if (!map.has(l.name)) throw new ConfigError(`No security protocol defined for listener ${l.name} (listener.security.protocol.map)`);
  }
  const advertised = new Map<string, { host: string; port: number }>();
  const advertisedValue = config.get('advertised.listeners');
  if (advertisedValue) {
    for (const a of parseListeners(advertisedValue)) {
      if (!names.has(a.name)) throw new ConfigError(`advertised.listeners names ${a.name}, which is not in listeners`);
      advertised.set(a.name, { host: a.host, port: a.port });
    }
  }
  const inter = config.get('inter.broker.listener.name');
  if (inter && !names.has(inter.toUpperCase())) {
    throw new ConfigError(`inter.broker.listener.name must be a listener name defined in listeners; ${inter} is not`);
  }
  return listeners.map((l) => ({ ...l, securityProtocol: map.get(l.name)!, advertised: advertised.get(l.name) }));
}

/** The value of `key` for a listener: listener.name.<name>.<key>, else <key>. */
export function listenerValue(config: BrokerConfig, listener: string, key: string): string | null {
  const prefixed = config.get(`listener.name.${listener.toLowerCase()}.${key}`);
  if (prefixed !== null) return prefixed;
  return config.get(key);
}

export type ClientAuth = 'none' | 'requested' | 'required';

/** node:tls server options for a listener from the ssl.* configs. */
export function tlsServerOptions(config: BrokerConfig, listener: string): TlsOptions & { clientAuth: ClientAuth; principalMapper: SslPrincipalMapper } {
  const get = (key: string) => {
    const v = listenerValue(config, listener, key);
    return v === null || v.trim() === '' ? null : v;
  };
  const where = `listener ${listener}`;
  const options: TlsOptions = {};
  const type = (get('ssl.keystore.type') ?? 'PEM').toUpperCase();
  const location = get('ssl.keystore.location');
  const chain = get('ssl.keystore.certificate.chain');
  const key = get('ssl.keystore.key');
  if (chain !== null || key !== null) {
    if (chain === null || key === null) throw new ConfigError(`${where}: ssl.keystore.certificate.chain and ssl.keystore.key must be set together`);
    options.cert = chain;
    options.key = key;
    const pass = get('ssl.key.password');
    if (pass !== null) options.passphrase = pass;
  } else if (location !== null) {
    const data = readConfigFile(location, 'ssl.keystore.location');
    if (type === 'PEM') {
      options.cert = data;
      options.key = data;
      const pass = get('ssl.key.password');
      if (pass !== null) options.passphrase = pass;
    } else if (type === 'PKCS12') {
      options.pfx = data;
      const pass = get('ssl.keystore.password');
      if (pass !== null) options.passphrase = pass;
    } else {
      throw new ConfigError(`${where}: ssl.keystore.type ${type} is not supported; use PEM or PKCS12`);
    }
  } else {
    throw new ConfigError(`${where} uses TLS but has no key store: set ssl.keystore.location (PEM or PKCS12), or ssl.keystore.certificate.chain and ssl.keystore.key`);
  }
  const trustInline = get('ssl.truststore.certificates');
  const trustLocation = get('ssl.truststore.location');
  const trustType = (get('ssl.truststore.type') ?? 'PEM').toUpperCase();
  if (trustInline !== null) {
    options.ca = trustInline;
  } else if (trustLocation !== null) {
    if (trustType !== 'PEM') throw new ConfigError(`${where}: ssl.truststore.type ${trustType} is not supported; use PEM`);
    options.ca = readConfigFile(trustLocation, 'ssl.truststore.location');
  }
  const clientAuth = (get('ssl.client.auth') ?? 'none').toLowerCase() as ClientAuth;
  if (!['none', 'requested', 'required'].includes(clientAuth)) {
    throw new ConfigError(`Invalid value ${clientAuth} for configuration ssl.client.auth: String must be one of: required, requested, none`);
  }
  options.requestCert = clientAuth !== 'none';
  // With 'requested' a certificate is optional, but one that is sent must still verify: the
  // connection handler refuses unverified ones (node only enforces this for 'required').
  options.rejectUnauthorized = clientAuth === 'required';
  const protocols = get('ssl.enabled.protocols');
  if (protocols !== null) {
    const versions = protocols.split(',').map((s) => s.trim()).filter((s) => /^TLSv1\.[0-3]$/.test(s)).sort();
    if (versions.length > 0) {
      options.minVersion = versions[0] as TlsOptions['minVersion'];
      options.maxVersion = versions.at(-1) as TlsOptions['maxVersion'];
    }
  }
  return { ...options, clientAuth, principalMapper: sslPrincipalMapper(get('ssl.principal.mapping.rules')) };
}

function readConfigFile(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`Cannot read ${key} ${path}: ${(err as Error).message}`);
  }
}

/**
 * The principal of a TLS client: User: and the name ssl.principal.mapping.rules makes of the
 * certificate's subject in RFC 2253 form (most specific attribute first; Kafka's default rule
 * keeps it whole: User:CN=alice,OU=eng,O=Acme,C=NO). No certificate: User:ANONYMOUS. Null when
 * no rule applies to the subject: Kafka refuses such a client.
 */
export function principalFromCertificate(cert: PeerCertificate | undefined, mapper: SslPrincipalMapper = DEFAULT_MAPPER): string | null {
  if (!cert || !cert.raw || cert.raw.length === 0) return 'User:ANONYMOUS';
  const name = mapper(certificateSubject(cert.raw));
  return name === null ? null : `User:${name}`;
}

/** The subject of a DER certificate in RFC 2253 form, e.g. CN=alice,OU=eng,O=Acme,C=NO. */
export function certificateSubject(raw: Buffer): string {
  const rdns = new X509Certificate(raw).subject.split('\n').filter((s) => s !== '').map(escapeRdn);
  return rdns.reverse().join(',');
}

const DEFAULT_MAPPER = sslPrincipalMapper(null);

function escapeRdn(rdn: string): string {
  const eq = rdn.indexOf('=');
  if (eq < 0) return rdn;
  const value = rdn.slice(eq + 1).replace(/([,+"\\<>;])/g, '\\$1').replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ');
  return `${rdn.slice(0, eq)}=${value}`;
}
