"""The kafka-python scenario of scripts/capture-golden.ts.

A KafkaProducer sends keyed records with headers and fixed timestamps (no compression) to a
topic that the broker creates on first Metadata; a KafkaConsumer with no group assigns the
partition, starts from the earliest offset, polls the records back and looks an offset up by
timestamp (offsets_for_times). Both use the same client_id, which test/golden/clients.test.ts
checks in the request headers.

Input (JSON on stdin): {"bootstrap", "topic", "clientId", "records": [{"key", "value",
"headers": [[name, value]], "timestamp"}], "lookupTimestamp", "timeout"?}
Output (JSON on stdout): {"consumed": [[key, value]], "lookupOffset"} or {"error"}.
"""

import json
import sys
import time
import traceback

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def run(spec):
    timeout = float(spec.get("timeout", 30))
    topic = spec["topic"]
    producer = KafkaProducer(
        bootstrap_servers=[spec["bootstrap"]],
        client_id=spec["clientId"],
        acks="all",
        linger_ms=1000,  # one batch for the three records; flush() sends it at once
        max_block_ms=int(timeout * 1000),
        request_timeout_ms=int(timeout * 1000),
    )
    try:
        futures = [
            producer.send(topic, value=r["value"].encode(), key=r["key"].encode(), partition=0,
                          timestamp_ms=r["timestamp"], headers=[(k, v.encode()) for k, v in r["headers"]])
            for r in spec["records"]
        ]
        producer.flush(timeout=timeout)
        for future in futures:
            future.get(timeout=timeout)
    finally:
        producer.close(timeout=timeout)

    consumer = KafkaConsumer(
        bootstrap_servers=[spec["bootstrap"]],
        client_id=spec["clientId"],
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=int(timeout * 1000) + 1000,
    )
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumed = []
        end = time.monotonic() + timeout
        while len(consumed) < len(spec["records"]):
            if time.monotonic() > end:
                raise RuntimeError("consumed %d of %d records" % (len(consumed), len(spec["records"])))
            for messages in consumer.poll(timeout_ms=500).values():
                consumed.extend([m.key.decode(), m.value.decode()] for m in messages)
        found = consumer.offsets_for_times({tp: spec["lookupTimestamp"]})[tp]
        return {"consumed": consumed, "lookupOffset": None if found is None else found.offset}
    finally:
        consumer.close()


def main():
    try:
        result = run(json.load(sys.stdin))
    except BaseException as error:  # noqa: BLE001 - everything becomes a JSON error
        json.dump({"error": "%s: %s" % (type(error).__name__, error), "traceback": traceback.format_exc()}, sys.stdout)
        sys.stdout.write("\n")
        sys.exit(1)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


main()
