"""The confluent-kafka-python (librdkafka) scenario of scripts/capture-golden.ts.

AdminClient create_topics, a Producer with keys, headers, fixed timestamps and zstd, a Consumer
reading by assign() + poll(), and offsets_for_times. Every client is configured with the same
client.id, so test/golden/clients.test.ts can check the request headers for it.

Input (JSON on stdin): {"bootstrap", "topic", "clientId", "records": [{"key", "value",
"headers": [[name, value]], "timestamp"}], "lookupTimestamp", "timeout"?}
Output (JSON on stdout): {"consumed": [[key, value]], "lookupOffset"} or {"error"}.
"""

import json
import sys
import time
import traceback

import confluent_kafka
from confluent_kafka.admin import AdminClient, NewTopic


def run(spec):
    timeout = float(spec.get("timeout", 30))
    common = {"bootstrap.servers": spec["bootstrap"], "client.id": spec["clientId"]}
    topic = spec["topic"]

    admin = AdminClient(dict(common))
    futures = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)],
                                  operation_timeout=timeout, request_timeout=timeout)
    for future in futures.values():
        future.result(timeout=timeout)

    producer = confluent_kafka.Producer(dict(common, **{"compression.type": "zstd", "linger.ms": 1000}))
    # Metadata first: records produced while the partition is still unknown wait elsewhere and
    # may leave in a batch of their own once flush() has begun.
    producer.list_topics(topic, timeout=timeout)
    errors = []

    def delivered(error, _message):
        if error is not None:
            errors.append(str(error))

    for record in spec["records"]:
        producer.produce(topic, value=record["value"].encode(), key=record["key"].encode(), partition=0,
                         timestamp=record["timestamp"], headers=[(k, v.encode()) for k, v in record["headers"]],
                         on_delivery=delivered)
    # The long linger keeps the three records in one batch; flush() sends it at once.
    if producer.flush(timeout) != 0 or errors:
        raise RuntimeError("produce failed: %s" % errors)

    consumer = confluent_kafka.Consumer(dict(common, **{
        "group.id": "golden-confluent-kafka-group",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
    }))
    try:
        consumer.assign([confluent_kafka.TopicPartition(topic, 0, 0)])
        consumed = []
        end = time.monotonic() + timeout
        while len(consumed) < len(spec["records"]):
            if time.monotonic() > end:
                raise RuntimeError("consumed %d of %d records" % (len(consumed), len(spec["records"])))
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error() is not None:
                if message.error().code() == confluent_kafka.KafkaError._PARTITION_EOF:
                    continue
                raise RuntimeError("consumer error: %s" % message.error())
            consumed.append([message.key().decode(), message.value().decode()])
        found = consumer.offsets_for_times(
            [confluent_kafka.TopicPartition(topic, 0, spec["lookupTimestamp"])], timeout=timeout)[0]
        if found.error is not None:
            raise RuntimeError("offsets_for_times: %s" % found.error)
        return {"consumed": consumed, "lookupOffset": found.offset}
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
