// ssl.principal.mapping.rules as KIP-371 and Kafka's documentation define them: rules tried in
// order, the first whose pattern matches the whole subject names the principal, L and U change
// the case, DEFAULT keeps the subject, no applicable rule means no principal, and a rule that
// does not parse is a configuration error.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sslPrincipalMapper } from '../../../../src/broker/auth/ssl-principal-mapper.ts';
import { ConfigError } from '../../../../src/errors.ts';

const SERVICE = 'CN=duke,OU=ServiceUsers,O=Org,C=US';
const PERSON = 'CN=Duke,OU=JavaSoft,O=Sun Microsystems,C=US';

test('no rules, empty rules and DEFAULT keep the whole subject', () => {
  for (const rules of [null, '', '  ', 'DEFAULT', ' DEFAULT , ']) assert.equal(sslPrincipalMapper(rules)(PERSON), PERSON, JSON.stringify(rules));
});

test("the documentation's examples: the first rule that matches the whole subject applies, DEFAULT catches the rest", () => {
  const map = sslPrincipalMapper('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=(.*?),C=(.*?)$/$1@$2/L,DEFAULT');
  assert.equal(map(SERVICE), 'duke');
  assert.equal(map(PERSON), 'duke@javasoft', 'the second rule, lower-cased');
  assert.equal(map('CN=only'), 'CN=only', 'DEFAULT');
  assert.equal(sslPrincipalMapper('RULE:^CN=(.*?),OU=(.*?),O=(.*?),C=(.*?)$/$1@$2/U')(PERSON), 'DUKE@JAVASOFT');
});

test('a pattern must match the whole subject, not a part of it', () => {
  const map = sslPrincipalMapper('RULE:CN=([a-z]+)/$1/');
  assert.equal(map('CN=duke'), 'duke');
  assert.equal(map(SERVICE), null, 'matches only a prefix: the rule does not apply');
});

test('with no DEFAULT, a subject no rule applies to has no principal', () => {
  const map = sslPrincipalMapper('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/');
  assert.equal(map(SERVICE), 'duke');
  assert.equal(map(PERSON), null);
});

test('an escaped slash stands for a slash in the pattern and the replacement; empty rules are ignored', () => {
  // Every slash of a pattern is escaped, even inside a character class.
  const map = sslPrincipalMapper(String.raw`,RULE:^CN=([^,\/]*)\/([^,]*),.*$/$2\/$1/,,DEFAULT`);
  assert.equal(map('CN=team/alice,O=Acme'), 'alice/team');
  assert.equal(map(PERSON), PERSON);
});

test('rules that do not parse, and patterns that are not regular expressions, are configuration errors', () => {
  for (const rules of ['RULE:^CN=(.*?)', 'RULE:^CN=(.*?)/$1', 'RULE:^CN=(.*?)/$1/X', 'NOT_A_RULE', 'DEFAULT,RULE:x', 'RULE:^CN=(.*/$1/']) {
    assert.throws(() => sslPrincipalMapper(rules), (err: unknown) => err instanceof ConfigError && /ssl\.principal\.mapping\.rules/.test((err as Error).message), rules);
  }
});
