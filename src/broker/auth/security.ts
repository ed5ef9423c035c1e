// The broker's security component: the SCRAM credential and ACL store (runnel-security.log
// in the data directory, storage/meta/security-store.ts) and each listener's SASL settings:
// the enabled mechanisms (listener.name.<l>.sasl.enabled.mechanisms, else
// sasl.enabled.mechanisms) and the PLAIN users of its JAAS config
// (listener.name.<l>.plain.sasl.jaas.config, else listener.name.<l>.sasl.jaas.config, else
// sasl.jaas.config), and OAUTHBEARER's validator: startBroker's oauthBearerValidator, else
// Kafka's unsecured one with the options of listener.name.<l>.oauthbearer.sasl.jaas.config
// (same fallbacks). Mechanisms Runnel does not serve (GSSAPI, Kafka's default) are left out
// of the enabled list with a warning.

import { join } from 'node:path';
import { ConfigError } from '../../errors.ts';
import { SECURITY_LOG, SecurityStore } from '../../storage/meta/security-store.ts';
import type { Broker } from '../broker.ts';
import { defineComponent, type Component } from '../component.ts';
import { listenerValue, resolveListeners } from '../listeners.ts';
import { parseJaasConfig, plainUsers } from './jaas.ts';
import type { OAuthBearerValidator } from './oauthbearer.ts';
import { unsecuredValidator, unsecuredValidatorOptions } from './oauthbearer-unsecured.ts';

export const SUPPORTED_SASL_MECHANISMS: readonly string[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

export interface ListenerSasl {
  readonly mechanisms: readonly string[];
  readonly plainUsers: ReadonlyMap<string, string>;
  readonly oauthBearer: { readonly validator: OAuthBearerValidator; readonly subClaimName: string; readonly scopeClaimName: string };
}

export class Security implements Component {
  readonly #broker: Broker;
  #store: SecurityStore | undefined;
  readonly #sasl = new Map<string, ListenerSasl>();
  /** The embedding application's OAUTHBEARER validator (startBroker's oauthBearerValidator). */
  oauthBearerValidator: OAuthBearerValidator | undefined;

  constructor(broker: Broker) {
    this.#broker = broker;
  }

  start(): void {
    void this.store;
    // Each SASL listener's settings now, so that a bad JAAS config stops the start (as in
    // Kafka) instead of failing its first client.
    for (const spec of resolveListeners(this.#broker.config)) if (spec.securityProtocol.startsWith('SASL_')) this.sasl(spec.name);
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
    const jaasOf = (mechanism: string) => config.get(`${prefix}${mechanism}.sasl.jaas.config`) ?? config.get(`${prefix}sasl.jaas.config`) ?? config.get('sasl.jaas.config');
    const jaas = jaasOf('plain');
    let users = new Map<string, string>();
    let validator = this.oauthBearerValidator;
    try {
      if (jaas !== null && mechanisms.includes('PLAIN')) users = plainUsers(jaas);
      if (validator === undefined && mechanisms.includes('OAUTHBEARER')) {
        // Kafka requires the OAuthBearerLoginModule entry; without one the defaults apply.
        const oauthJaas = jaasOf('oauthbearer');
        const options = oauthJaas === null ? new Map<string, string>() : (parseJaasConfig(oauthJaas)[0]?.options ?? new Map<string, string>());
        validator = unsecuredValidator(unsecuredValidatorOptions(options));
        this.#broker.logger.warn(`listener ${listener}: OAUTHBEARER tokens are checked by the unsecured validator (unsigned JWS, for development only); production needs startBroker's oauthBearerValidator`);
      }
    } catch (err) {
      throw new ConfigError(`listener ${listener}: ${(err as Error).message}`);
    }
    const claim = (key: string) => (listenerValue(config, listener, key) ?? '').trim();
    const oauthBearer = {
      validator: validator ?? unsecuredValidator(unsecuredValidatorOptions(new Map())),
      subClaimName: claim('sasl.oauthbearer.sub.claim.name') || 'sub',
      scopeClaimName: claim('sasl.oauthbearer.scope.claim.name') || 'scope',
    };
    return { mechanisms, plainUsers: users, oauthBearer };
  }

  stop(): void {
    this.#store?.close();
    this.#store = undefined;
  }
}

export const SECURITY = defineComponent('security', (broker) => new Security(broker));
