"""Reads records with a kafka-python consumer from explicitly assigned partitions (assign() and
seek(), no group).

Input:  {"bootstrap", "assignments": [{"topic", "partition", "offset"}], "count",
         "apiVersion"?: [2, 5, 0], "timeout"?: seconds}
Output: {"records": [{"topic", "partition", "offset", "timestamp", "timestampType", "key",
         "value", "headers": [[name, value]]}]}, in the order they arrived.
"""

from _common import Deadline, b64, fail, main

try:
    from kafka import KafkaConsumer, TopicPartition
except ImportError as error:
    fail("kafka is not importable (apt-get install python3-kafka): %s" % error)

TIMESTAMP_TYPES = {0: "CreateTime", 1: "LogAppendTime"}


def run(spec):
    timeout = float(spec.get("timeout", 30))
    deadline = Deadline(timeout)
    options = {
        "bootstrap_servers": [spec["bootstrap"]],
        "group_id": None,
        "enable_auto_commit": False,
        "request_timeout_ms": max(int(timeout * 1000), 30_000) + 1000,
    }
    if spec.get("apiVersion"):
        options["api_version"] = tuple(spec["apiVersion"])
    consumer = KafkaConsumer(**options)
    try:
        partitions = [TopicPartition(a["topic"], a["partition"]) for a in spec["assignments"]]
        consumer.assign(partitions)
        for tp, a in zip(partitions, spec["assignments"]):
            consumer.seek(tp, a.get("offset", 0))
        count = int(spec["count"])
        records = []
        while len(records) < count:
            if deadline.passed():
                fail("got %d of %d records within %ss" % (len(records), count, timeout), records=records[-5:])
            batches = consumer.poll(timeout_ms=int(min(0.5, deadline.left()) * 1000), max_records=1000)
            # poll() groups by partition; within a partition the order is the log's.
            for tp in sorted(batches, key=lambda tp: (tp.topic, tp.partition)):
                for message in batches[tp]:
                    records.append({
                        "topic": message.topic,
                        "partition": message.partition,
                        "offset": message.offset,
                        "timestamp": message.timestamp,
                        "timestampType": TIMESTAMP_TYPES.get(message.timestamp_type, str(message.timestamp_type)),
                        "key": b64(message.key),
                        "value": b64(message.value),
                        "headers": [[name, b64(value)] for name, value in (message.headers or [])],
                    })
        return {"records": records}
    finally:
        consumer.close()


main(run)
