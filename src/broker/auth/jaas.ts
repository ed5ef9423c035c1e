// The JAAS configuration Kafka reads from `sasl.jaas.config` values:
//   org.apache.kafka.common.security.plain.PlainLoginModule required
//     username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice";
// Only the options matter here: PLAIN users are the user_<name> entries. Values may be
// quoted (with backslash escapes) or bare words.

export interface JaasEntry {
  readonly loginModule: string;
  readonly flag: string;
  readonly options: ReadonlyMap<string, string>;
}

export function parseJaasConfig(text: string): JaasEntry[] {
  const entries: JaasEntry[] = [];
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const word = () => {
    skip();
    const m = /^[^\s=;"]+/.exec(text.slice(i));
    if (!m) throw new Error(`JAAS config: expected a word at position ${i}`);
    i += m[0].length;
    return m[0];
  };
  for (;;) {
    skip();
    if (i >= text.length) break;
    const loginModule = word();
    const flag = word();
    const options = new Map<string, string>();
    for (;;) {
      skip();
      if (text[i] === ';') {
        i++;
        break;
      }
      if (i >= text.length) throw new Error('JAAS config: missing ";" at the end of the login module entry');
      const key = word();
      skip();
      if (text[i] !== '=') throw new Error(`JAAS config: expected "=" after ${key}`);
      i++;
      skip();
      let value = '';
      if (text[i] === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length) i++;
          value += text[i++];
        }
        if (text[i] !== '"') throw new Error(`JAAS config: unterminated quoted value for ${key}`);
        i++;
      } else {
        value = word();
      }
      options.set(key, value);
    }
    entries.push({ loginModule, flag, options });
  }
  return entries;
}

/** The PLAIN users (user_<name>="<password>") of a JAAS config. */
export function plainUsers(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const entry of parseJaasConfig(text)) {
    for (const [k, v] of entry.options) if (k.startsWith('user_')) users.set(k.slice(5), v);
  }
  return users;
}
