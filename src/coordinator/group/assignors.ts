// Server-side assignors of the consumer group protocol (KIP-848): `uniform` and `range`,
// the two Kafka ships (group.consumer.assignors). An assignor maps every member to its
// target partitions, given the members' subscriptions, the topics' partition counts and the
// current assignment (for stickiness).
//
// uniform: spreads all subscribed partitions evenly (member counts differ by at most one
// where subscriptions are the same), keeping partitions where they are whenever balance
// allows, as Kafka's UniformAssignor does. Members with different subscriptions get each
// partition on the least loaded member subscribed to its topic (its current owner if that
// one is among the least loaded).
// range: per topic, the subscribed members sorted by id get contiguous ranges, the first
// (partitions % members) one partition more, as Kafka's RangeAssignor does (co-partitioned
// topics line up).

/** topicId → partitions. */
export type Assignment = Map<string, Set<number>>;

export interface AssignorMember {
  memberId: string;
  /** Topic ids the member subscribes to (existing topics only). */
  topics: Set<string>;
  /** The member's current assignment, for stickiness. */
  current: Assignment;
}

export interface AssignorTopic {
  topicId: string;
  name: string;
  partitions: number;
}

export type Assignor = (members: AssignorMember[], topics: Map<string, AssignorTopic>) => Map<string, Assignment>;

function add(a: Assignment, topicId: string, partition: number): void {
  let set = a.get(topicId);
  if (!set) a.set(topicId, (set = new Set()));
  set.add(partition);
}

/** Topic ids sorted by name, then partition, for a stable order. */
function orderedPartitions(topicIds: Iterable<string>, topics: Map<string, AssignorTopic>): [string, number][] {
  const ids = [...topicIds].filter((id) => topics.has(id)).sort((a, b) => (topics.get(a)!.name < topics.get(b)!.name ? -1 : 1));
  const out: [string, number][] = [];
  for (const id of ids) for (let p = 0; p < topics.get(id)!.partitions; p++) out.push([id, p]);
  return out;
}

export const uniformAssignor: Assignor = (members, topics) => {
  const result = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
  if (members.length === 0) return result;
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
  const first = [...sorted[0]!.topics].sort().join(',');
  const homogeneous = sorted.every((m) => [...m.topics].sort().join(',') === first);
  if (homogeneous) {
    const all = orderedPartitions(sorted[0]!.topics, topics);
    const n = all.length;
    const m = sorted.length;
    const min = Math.floor(n / m);
    let extras = n % m; // members that may hold min + 1
    const counts = new Map<string, number>(sorted.map((x) => [x.memberId, 0]));
    const taken = new Set<string>();
    // Sticky pass: members keep up to min of their partitions, then one more while extras last.
    for (const member of sorted) {
      const mine = all.filter(([t, p]) => member.current.get(t)?.has(p));
      let keep = Math.min(mine.length, min);
      if (mine.length > min && extras > 0) {
        keep++;
        extras--;
      }
      for (const [t, p] of mine.slice(0, keep)) {
        add(result.get(member.memberId)!, t, p);
        taken.add(`${t}:${p}`);
      }
      counts.set(member.memberId, keep);
    }
    // The rest go to members below min, then to members that may take one more.
    const free = all.filter(([t, p]) => !taken.has(`${t}:${p}`));
    for (const [t, p] of free) {
      let target = sorted.find((x) => counts.get(x.memberId)! < min);
      if (!target && extras > 0) {
        target = sorted.find((x) => counts.get(x.memberId)! === min);
        extras--;
      }
      target ??= sorted.reduce((lo, x) => (counts.get(x.memberId)! < counts.get(lo.memberId)! ? x : lo));
      add(result.get(target.memberId)!, t, p);
      counts.set(target.memberId, counts.get(target.memberId)! + 1);
    }
    return result;
  }
  // Heterogeneous subscriptions: least loaded subscribed member, the current owner on ties.
  const counts = new Map<string, number>(sorted.map((x) => [x.memberId, 0]));
  const allTopics = new Set(sorted.flatMap((x) => [...x.topics]));
  for (const [t, p] of orderedPartitions(allTopics, topics)) {
    const candidates = sorted.filter((x) => x.topics.has(t));
    if (candidates.length === 0) continue;
    const least = Math.min(...candidates.map((x) => counts.get(x.memberId)!));
    const owner = candidates.find((x) => x.current.get(t)?.has(p) && counts.get(x.memberId)! === least);
    const target = owner ?? candidates.find((x) => counts.get(x.memberId)! === least)!;
    add(result.get(target.memberId)!, t, p);
    counts.set(target.memberId, counts.get(target.memberId)! + 1);
  }
  return result;
};

export const rangeAssignor: Assignor = (members, topics) => {
  const result = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
  for (const topic of topics.values()) {
    const subscribed = sorted.filter((m) => m.topics.has(topic.topicId));
    if (subscribed.length === 0) continue;
    const per = Math.floor(topic.partitions / subscribed.length);
    const extra = topic.partitions % subscribed.length;
    let next = 0;
    subscribed.forEach((m, i) => {
      const count = per + (i < extra ? 1 : 0);
      for (let k = 0; k < count; k++) add(result.get(m.memberId)!, topic.topicId, next++);
    });
  }
  return result;
};

export const ASSIGNORS: ReadonlyMap<string, Assignor> = new Map([
  ['uniform', uniformAssignor],
  ['range', rangeAssignor],
]);
