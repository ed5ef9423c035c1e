"""A consumer following many partitions while light traffic arrives, with confluent-kafka-python.

Run twice by bench/follow.ts, as two processes: `consume` first (it prints "ready" once the
group has assigned it every partition and it is fetching), then `produce`. Both take one JSON
object on stdin:
  {"bootstrap", "topics" (names), "partitions" (per topic), "rate" (records/s), "size"
   (bytes), "seconds", "group", "already" (records in the topics before), "commits",
   "broker_pid"}
The producer sends rate * seconds records, each to a random partition of a random topic, at
the rate, and prints {"sent", "errors"}. The consumer, a member of `group` subscribed to all
the topics from their start, reads the records already there, commits its position in every
partition `commits` times (one OffsetCommit naming them all, synchronous, as a member commits
before a rebalance), prints "ready", then reads until it has the new ones too and prints
{"received", "expected"} (the new ones), "fetches_per_second", the rate at which it sent Fetch
requests meanwhile (librdkafka's statistics), and "commit_cpu_ms" and "commit_ms": the
broker's CPU time (from /proc) and the round trip per commit.
librdkafka sends every partition it follows in each fetch (it has no fetch sessions) and
fetches again as soon as an answer brings records: what the broker spends per partition of a
fetch is what this costs it.
"""

import json
import os
import random
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition


def produce(cfg):
    topics, partitions, rate = cfg["topics"], cfg["partitions"], cfg["rate"]
    total = int(rate * cfg["seconds"])
    value = b"x" * cfg["size"]
    errors = [0]

    def delivered(err, _msg):
        if err is not None:
            errors[0] += 1

    p = Producer({"bootstrap.servers": cfg["bootstrap"], "acks": "1"})
    start = time.monotonic()
    sent = 0
    while sent < total:
        due = min(total, int((time.monotonic() - start) * rate))
        while sent < due:
            p.produce(random.choice(topics), value, partition=random.randrange(partitions), on_delivery=delivered)
            sent += 1
        p.poll(0)
        time.sleep(0.002)
    p.flush(60)
    print(json.dumps({"sent": sent, "errors": errors[0]}), flush=True)


def consume(cfg):
    expected = int(cfg["rate"] * cfg["seconds"])
    already = cfg["already"]
    fetches = []  # (monotonic seconds, Fetch requests sent so far), from librdkafka's statistics

    def stats(data):
        sent = sum(b.get("req", {}).get("Fetch", 0) for b in json.loads(data)["brokers"].values())
        fetches.append((time.monotonic(), sent))

    c = Consumer({
        "bootstrap.servers": cfg["bootstrap"],
        "group.id": cfg["group"],
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "statistics.interval.ms": 1000,
        "stats_cb": stats,
    })
    c.subscribe(cfg["topics"])
    seen = 0
    deadline = time.monotonic() + 180
    while seen < already and time.monotonic() < deadline:
        for msg in c.consume(num_messages=1000, timeout=0.2):
            if msg.error() is None:
                seen += 1
    if seen != already:
        raise SystemExit(f"read {seen} of the {already} records already there")
    commit_cpu_ms, commit_ms = commit_everything(c, cfg["commits"], cfg["broker_pid"])
    print("ready", flush=True)
    started = time.monotonic()
    received = 0
    deadline = time.monotonic() + cfg["seconds"] * 3 + 60
    while received < expected and time.monotonic() < deadline:
        for msg in c.consume(num_messages=1000, timeout=0.2):
            if msg.error() is None:
                received += 1
    ended = time.monotonic()
    c.close()
    # Fetches per second while the records arrived: between the first and the last statistics
    # inside that time (they come once a second).
    inside = [f for f in fetches if started <= f[0] <= ended]
    rate = (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0]) if len(inside) >= 2 else None
    print(json.dumps({"received": received, "expected": expected, "fetches_per_second": rate,
                      "commit_cpu_ms": commit_cpu_ms, "commit_ms": commit_ms}), flush=True)


def commit_everything(c, commits, broker_pid):
    """Commits the position of every assigned partition `commits` times; broker CPU ms and wall ms per commit."""
    assignment = c.assignment()
    offsets = [TopicPartition(tp.topic, tp.partition, max(tp.offset, 0)) for tp in c.position(assignment)]
    # Paused, the member sends no fetches meanwhile: the broker's CPU is the commits'.
    c.pause(assignment)
    time.sleep(1)
    before, started = broker_cpu_ms(broker_pid), time.monotonic()
    for _ in range(commits):
        c.commit(offsets=offsets, asynchronous=False)
    elapsed = time.monotonic() - started
    cpu = broker_cpu_ms(broker_pid) - before
    c.resume(assignment)
    return cpu / commits, elapsed * 1000 / commits


def broker_cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    mode = sys.argv[1]
    config = json.loads(sys.stdin.readline())
    (produce if mode == "produce" else consume)(config)
