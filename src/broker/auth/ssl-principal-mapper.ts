// ssl.principal.mapping.rules (KIP-371): how an SSL client's certificate subject, in RFC 2253
// form ("CN=alice,OU=eng,O=Acme,C=NO"), becomes the name of its principal (User:<name>).
//
// The value is a comma-separated list of rules, tried in order; the first that applies names
// the principal:
//   DEFAULT                          the subject as it is;
//   RULE:pattern/replacement/[L|U]   if the pattern matches the whole subject, the subject with
//                                    every match of the pattern replaced (`$1` for a group),
//                                    then lower- or upper-cased with L or U.
// A `/` inside the pattern or the replacement is written `\/`. As in Kafka, a subject that no
// rule applies to has no principal, and its connection is refused; a rule that does not parse
// (or whose pattern is not a regular expression) is a configuration error.
//
// Patterns are Java regular expressions in Kafka; here they are JavaScript ones, which agree
// on the constructs such rules use (groups, classes, anchors, lazy quantifiers).

import { ConfigError } from '../../errors.ts';

/** A subject's principal name, or null when no rule applies. */
export type SslPrincipalMapper = (subject: string) => string | null;

interface Rule {
  /** The pattern, global (every match is replaced, as Java's replaceAll does); null for DEFAULT. */
  pattern: RegExp | null;
  /** The pattern anchored at both ends: the rule applies when it matches the whole subject (Java's matches()). */
  whole: RegExp | null;
  replacement: string;
  caseChange: 'L' | 'U' | '';
}

// One rule: DEFAULT, or RULE: with a pattern and a replacement (each a run of escaped
// characters or characters other than `\` and `/`) and an optional L or U. Kafka's own syntax.
const RULE = String.raw`DEFAULT|RULE:((?:\\.|[^\\/])*)/((?:\\.|[^\\/])*)/([LU]?)`;
const RULE_AT_START = new RegExp(String.raw`^\s*(?:${RULE})\s*(?:,|$)`);

/** Parses `rules` (the config's value; empty or null means DEFAULT). Throws ConfigError. */
export function sslPrincipalMapper(rules: string | null): SslPrincipalMapper {
  const parsed = parseRules(rules === null || rules.trim() === '' ? 'DEFAULT' : rules);
  return (subject) => {
    for (const rule of parsed) {
      const name = apply(rule, subject);
      if (name !== null) return name;
    }
    return null;
  };
}

function parseRules(text: string): Rule[] {
  const rules: Rule[] = [];
  let rest = text.trim();
  while (rest !== '') {
    // Empty rules (",,") are ignored, as in Kafka.
    if (rest.startsWith(',')) {
      rest = rest.slice(1).trim();
      continue;
    }
    const m = RULE_AT_START.exec(rest);
    if (m === null) throw new ConfigError(`Invalid value ${text} for configuration ssl.principal.mapping.rules: invalid rule at: ${rest}`);
    rules.push(m[1] === undefined ? { pattern: null, whole: null, replacement: '', caseChange: '' } : rule(text, m[1], m[2]!, (m[3] ?? '') as Rule['caseChange']));
    rest = rest.slice(m[0].length).trim();
  }
  return rules;
}

function rule(text: string, pattern: string, replacement: string, caseChange: Rule['caseChange']): Rule {
  const source = pattern.replaceAll('\\/', '/');
  try {
    return { pattern: new RegExp(source, 'g'), whole: new RegExp(`^(?:${source})$`), replacement: replacement.replaceAll('\\/', '/'), caseChange };
  } catch (err) {
    throw new ConfigError(`Invalid value ${text} for configuration ssl.principal.mapping.rules: ${(err as Error).message}`);
  }
}

function apply(rule: Rule, subject: string): string | null {
  if (rule.pattern === null || rule.whole === null) return subject;
  if (!rule.whole.test(subject)) return null;
  const name = subject.replace(rule.pattern, rule.replacement);
  return rule.caseChange === 'L' ? name.toLowerCase() : rule.caseChange === 'U' ? name.toUpperCase() : name;
}
