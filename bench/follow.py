"""A consumer following many partitions while light traffic arrives, with confluent-kafka-python.

Run twice by bench/follow.ts, as two processes: `consume` first (it prints "ready" once the
group has assigned it every partition and it is fetching), then `produce`. Both take one JSON
object on stdin:
  {"bootstrap", "topics" (names), "partitions" (per topic), "rate" (records/s), "size"
   (bytes), "seconds", "group", "already" (records in the topics before)}
The producer sends rate * seconds records, each to a random partition of a random topic, at
the rate, and prints {"sent", "errors"}. The consumer, a member of `group` subscribed to all
the topics from their start, reads the records already there, prints "ready", then reads
until it has the new ones too and prints {"received", "expected"} (the new ones) and
"fetches_per_second", the rate at which it sent Fetch requests meanwhile (librdkafka's
statistics).
librdkafka sends every partition it follows in each fetch (it has no fetch sessions) and
fetches again as soon as an answer brings records: what the broker spends per partition of a
fetch is what this costs it.
"""

import json
import random
import sys
import time

from confluent_kafka import Consumer, Producer


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
    print(json.dumps({"received": received, "expected": expected, "fetches_per_second": rate}), flush=True)


if __name__ == "__main__":
    mode = sys.argv[1]
    config = json.loads(sys.stdin.readline())
    (produce if mode == "produce" else consume)(config)
