// The broker's security component: the SCRAM credential and ACL store (runnel-security.log
// in the data directory, storage/meta/security-store.ts) and each listener's SASL settings:
// the enabled mechanisms (listener.name.<l>.sasl.enabled.mechanisms, else
// sasl.enabled.mechanisms) and the PLAIN users of its JAAS config
// (listener.name.<l>.plain.sasl.jaas.config, else listener.name.<l>.sasl.jaas.config, else
// sasl.jaas.config). Mechanisms Runnel does not serve (GSSAPI, Kafka's default, and
// OAUTHBEARER) are left out of the enabled list with a warning.

import { join } from 'node:path';
import { ConfigError } from '../../errors.ts';
import { SECURITY_LOG, SecurityStore } from '../../storage/meta/security-store.ts';
import type { Broker } from '../broker.ts';
import { defineComponent, type Component } from '../component.ts';
import { listenerValue } from '../listeners.ts';
import { plainUsers } from './jaas.ts';

export const SUPPORTED_SASL_MECHANISMS: readonly string[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

export interface ListenerSasl {
  readonly mechanisms: readonly string[];
  readonly plainUsers: ReadonlyMap<string, string>;
}

export class Security implements Component {
  readonly #broker: Broker;
  #store: SecurityStore | undefined;
  readonly #sasl = new Map<string, ListenerSasl>();

  constructor(broker: Broker) {
    this.#broker = broker;
  }

  start(): void {
    void this.store;
  }

  get store(): SecurityStore {
    if (!this.#store) {
      const { fs, dataDir } = this.#broker.logs;
      this.#store = SecurityStore.open(fs, join(dataDir, SECURITY_LOG), this.#broker.logger);
    }
    return this.#store;
  }

  sasl(listener: string): ListenerSasl {
    let settings = this.#sasl.get(listener);
    if (!settings) {
      settings = this.#resolve(listener);
      this.#sasl.set(listener, settings);
    }
    return settings;
  }

  #resolve(listener: string): ListenerSasl {
    const config = this.#broker.config;
    const configured = (listenerValue(config, listener, 'sasl.enabled.mechanisms') ?? '').split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
    const mechanisms = configured.filter((m) => SUPPORTED_SASL_MECHANISMS.includes(m));
    const unsupported = configured.filter((m) => !SUPPORTED_SASL_MECHANISMS.includes(m));
    if (unsupported.length > 0) this.#broker.logger.warn(`listener ${listener}: SASL mechanisms ${unsupported.join(', ')} are not supported and stay disabled`);
    const prefix = `listener.name.${listener.toLowerCase()}.`;
    const jaas = config.get(`${prefix}plain.sasl.jaas.config`) ?? config.get(`${prefix}sasl.jaas.config`) ?? config.get('sasl.jaas.config');
    let users = new Map<string, string>();
    if (jaas !== null && mechanisms.includes('PLAIN')) {
      try {
        users = plainUsers(jaas);
      } catch (err) {
        throw new ConfigError(`listener ${listener}: ${(err as Error).message}`);
      }
    }
    return { mechanisms, plainUsers: users };
  }

  stop(): void {
    this.#store?.close();
    this.#store = undefined;
  }
}

export const SECURITY = defineComponent('security', (broker) => new Security(broker));
