// Validating AlterConfigs and IncrementalAlterConfigs for topics and brokers, with Kafka's
// error codes, and turning them into a set of changes (value, or null to remove) that the
// caller applies (or not, for validateOnly).
//
// Topics (Kafka's ControllerConfigurationValidator and LogConfig.validate): an unknown name
// or a bad value is INVALID_CONFIG; APPEND/SUBTRACT on a non-list config is INVALID_CONFIG.
// Groups (Kafka's GroupConfig.validate): as topics, "Unknown group config name"; the
// cross-checks against the broker's bounds are in group-configs.ts.
// Brokers (Kafka's DynamicBrokerConfig.validate): a config that cannot change at run time or
// a bad value is INVALID_REQUEST, "Invalid config value for resource ...", as Kafka wraps
// its ConfigException; unknown names are accepted and stored, as Kafka does. Either way,
// duplicate keys and a null value for SET/APPEND/SUBTRACT are INVALID_REQUEST.

import { ErrorCode } from '../../protocol/index.ts';
import { GROUP_CONFIG_BY_NAME } from './group-configs.ts';
import { BROKER_CONFIG_BY_NAME, DYNAMIC_BROKER_CONFIGS, TOPIC_CONFIG_BY_NAME, checkConfigValue, type ConfigDefinition } from './definitions.ts';

export const ALTER_OP = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

export interface AlterOp {
  name: string;
  /** ALTER_OP; the legacy AlterConfigs is a SET of each given config and a DELETE of the rest. */
  op: number;
  value: string | null;
}

export type AlterPlan =
  | { ok: true; changes: Record<string, string | null> }
  | { ok: false; errorCode: number; errorMessage: string };

const refuse = (errorCode: number, errorMessage: string): AlterPlan => ({ ok: false, errorCode, errorMessage });

export interface AlterTarget {
  kind: 'topic' | 'broker' | 'group';
  /** For messages: ConfigResource(type=TOPIC, name='x'). */
  resource: string;
  /** The resource's current overrides (topic configs, or one dynamic broker layer). */
  current: Readonly<Record<string, string>>;
  /** Legacy AlterConfigs: the given set replaces every current override. */
  replace: boolean;
}

function definitionOf(kind: AlterTarget['kind'], name: string): ConfigDefinition | undefined {
  return kind === 'topic' ? TOPIC_CONFIG_BY_NAME.get(name) : kind === 'group' ? GROUP_CONFIG_BY_NAME.get(name) : BROKER_CONFIG_BY_NAME.get(name);
}

export function planAlter(target: AlterTarget, ops: readonly AlterOp[]): AlterPlan {
  const { kind } = target;
  const invalid = (message: string): AlterPlan =>
    kind !== 'broker' ? refuse(ErrorCode.INVALID_CONFIG, message) : refuse(ErrorCode.INVALID_REQUEST, `Invalid config value for resource ${target.resource}: ${message}`);
  const names = ops.map((o) => o.name);
  if (new Set(names).size !== names.length) return refuse(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');

  const changes: Record<string, string | null> = {};
  if (target.replace) for (const name of Object.keys(target.current)) changes[name] = null;
  const nonDynamic: string[] = [];
  for (const { name, op, value } of ops) {
    if (op < ALTER_OP.SET || op > ALTER_OP.SUBTRACT) return refuse(ErrorCode.INVALID_REQUEST, `Unknown alter config operation ${op} for ${name}`);
    if (op !== ALTER_OP.DELETE && value === null) {
      return kind === 'topic' && target.replace
        ? refuse(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${name}`)
        : refuse(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${name}`);
    }
    const d = definitionOf(kind, name);
    if (!d) {
      if (kind !== 'broker') return refuse(ErrorCode.INVALID_CONFIG, `Unknown ${kind} config name: ${name}`);
    } else if (kind === 'broker' && !DYNAMIC_BROKER_CONFIGS.has(name)) {
      nonDynamic.push(name);
      continue;
    }
    switch (op) {
      case ALTER_OP.SET:
        changes[name] = value;
        break;
      case ALTER_OP.DELETE:
        changes[name] = null;
        break;
      default: {
        if (d && d.type !== 'list') {
          return invalid(`Config value ${op === ALTER_OP.APPEND ? 'append' : 'subtract'} is not allowed for config key: ${name}`);
        }
        const old = target.current[name] ?? (d?.default || null);
        const items = old === null ? [] : old.split(',').map((s) => s.trim()).filter((s) => s !== '');
        const given = value!.split(',').map((s) => s.trim()).filter((s) => s !== '');
        const next = op === ALTER_OP.APPEND ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i));
        changes[name] = next.join(',');
      }
    }
  }
  if (nonDynamic.length > 0) return invalid(`Cannot update these configs dynamically: Set(${nonDynamic.join(', ')})`);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) continue;
    const d = definitionOf(kind, name);
    const problem = d ? checkConfigValue(d, value) : null;
    if (problem) return invalid(problem);
  }
  // Unchanged removals (a DELETE of a config that is not set) are no-ops.
  for (const [name, value] of Object.entries(changes)) if (value === null && target.current[name] === undefined) delete changes[name];
  return { ok: true, changes };
}
