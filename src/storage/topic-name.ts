// Kafka's topic name rules (Topic.validate): ASCII letters, digits, '.', '_' and '-'; at
// most 249 characters (a partition directory adds "-<partition>" and Kafka's delete/stray
// suffixes, within the 255 a file name may hold); not "." or "..".

export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Null if `name` is a legal topic name, else Kafka's message for it. */
export function validateTopicName(name: string): string | null {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, Topic name: ${name}`;
  }
  if (!LEGAL.test(name)) return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  return null;
}
