"""End-to-end and produce latency at a fixed rate, with confluent-kafka-python (librdkafka).

Run twice by bench/latency.ts, as two processes: `consume` first (it prints "ready" once it
is assigned and polling), then `produce`. Both take one JSON object on stdin:
  {"bootstrap", "topic", "rate" (records/s), "size" (bytes), "seconds", "warmup_seconds"}
Each record's value starts with its sequence number and the CLOCK_MONOTONIC time it was handed
to the producer (both processes share that clock). The producer measures produce latency (send
to delivery report, acks=1), the consumer end-to-end latency (send to poll). Records sent in the
warm-up are not counted. Each prints one JSON line: sorted latencies in microseconds.
"""

import json
import struct
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING

HEADER = struct.Struct(">qq")  # sequence, send time (ns)


def produce(cfg):
    rate, size = cfg["rate"], cfg["size"]
    total = int(rate * cfg["seconds"])
    warmup = int(rate * cfg["warmup_seconds"])
    padding = b"x" * (size - HEADER.size)
    latencies = []
    errors = [0]

    def delivered(err, msg):
        now = time.monotonic_ns()
        if err is not None:
            errors[0] += 1
            return
        seq, sent = HEADER.unpack_from(msg.value())
        if seq >= warmup:
            latencies.append((now - sent) // 1000)

    # What a latency-sensitive librdkafka user sets: a short linger (1 ms; 0 was tried and
    # made p99 worse here, more and smaller requests competing for the two cores) and no
    # Nagle on the client's socket (librdkafka leaves it on by default; the broker's side
    # already sets TCP_NODELAY).
    p = Producer({
        "bootstrap.servers": cfg["bootstrap"],
        "acks": "1",
        "linger.ms": 1,
        "socket.nagle.disable": True,
        "enable.idempotence": False,
    })
    start = time.monotonic_ns()
    seq = 0
    while seq < total:
        due = min(total, int((time.monotonic_ns() - start) * rate / 1e9))
        while seq < due:
            value = HEADER.pack(seq, time.monotonic_ns()) + padding
            try:
                p.produce(cfg["topic"], value, partition=0, on_delivery=delivered)
            except BufferError:
                p.poll(0.001)
                continue
            seq += 1
        p.poll(0)
        time.sleep(0.0002)
    p.flush(30)
    elapsed = (time.monotonic_ns() - start) / 1e9
    latencies.sort()
    print(json.dumps({"latencies_us": latencies, "sent": total, "errors": errors[0], "seconds": elapsed}))


def consume(cfg):
    total = int(cfg["rate"] * cfg["seconds"])
    warmup = int(cfg["rate"] * cfg["warmup_seconds"])
    c = Consumer({
        "bootstrap.servers": cfg["bootstrap"],
        "group.id": "bench-latency",
        "enable.auto.commit": False,
        "fetch.wait.max.ms": 100,
        "fetch.min.bytes": 1,
        "socket.nagle.disable": True,
    })
    c.assign([TopicPartition(cfg["topic"], 0, OFFSET_BEGINNING)])
    c.poll(0.5)  # connects and starts fetching
    print("ready", flush=True)
    latencies = []
    seen = 0
    deadline = time.monotonic() + cfg["seconds"] * 3 + 30
    while seen < total and time.monotonic() < deadline:
        # poll() returns as soon as a record is there; consume() then takes what else is
        # queued without waiting. (A batch consume with a timeout waits it out unless the
        # batch fills, and every record it returns is timed at its return: with 1 ms, that
        # added ~0.7 ms at p50 and ~1 ms at p99.)
        first = c.poll(0.1)
        if first is None:
            continue
        for msg in [first] + c.consume(num_messages=1000, timeout=0):
            now = time.monotonic_ns()
            if msg.error() is not None:
                continue
            seq, sent = HEADER.unpack_from(msg.value())
            seen += 1
            if seq >= warmup:
                latencies.append((now - sent) // 1000)
    c.close()
    latencies.sort()
    print(json.dumps({"latencies_us": latencies, "received": seen, "expected": total}))


if __name__ == "__main__":
    mode = sys.argv[1]
    config = json.loads(sys.stdin.readline())
    (produce if mode == "produce" else consume)(config)
