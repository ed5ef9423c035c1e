"""Reads records with a confluent-kafka (librdkafka) consumer from explicitly assigned partitions.

No group membership: assign() with starting offsets, as a consumer that manages its own
positions does. A group.id is still required by the client; nothing is committed.

Input:  {"bootstrap", "assignments": [{"topic", "partition", "offset"}], "count",
         "config"?: {librdkafka properties}, "timeout"?: seconds}
Output: {"records": [{"topic", "partition", "offset", "timestamp", "timestampType", "key",
         "value", "headers": [[name, value]] | null}]}, in the order they arrived.
"""

import uuid

from _common import Deadline, b64, fail, main

try:
    import confluent_kafka
except ImportError as error:
    fail("confluent_kafka is not importable (apt-get install python3-confluent-kafka): %s" % error)

TIMESTAMP_TYPES = {0: "none", 1: "CreateTime", 2: "LogAppendTime"}


def run(spec):
    timeout = float(spec.get("timeout", 30))
    deadline = Deadline(timeout)
    config = {
        "bootstrap.servers": spec["bootstrap"],
        "group.id": "runnel-test-%s" % uuid.uuid4(),
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "error",
    }
    config.update(spec.get("config", {}))
    consumer = confluent_kafka.Consumer(config)
    try:
        consumer.assign([
            confluent_kafka.TopicPartition(a["topic"], a["partition"], a.get("offset", 0))
            for a in spec["assignments"]
        ])
        count = int(spec["count"])
        records = []
        while len(records) < count:
            if deadline.passed():
                fail("got %d of %d records within %ss" % (len(records), count, timeout), records=records[-5:])
            for message in consumer.consume(min(1000, count - len(records)), min(0.5, deadline.left())):
                error = message.error()
                if error is not None:
                    if error.code() == confluent_kafka.KafkaError._PARTITION_EOF:
                        continue
                    fail("consumer error: %s" % error, records=len(records))
                timestamp_type, timestamp = message.timestamp()
                headers = message.headers()
                records.append({
                    "topic": message.topic(),
                    "partition": message.partition(),
                    "offset": message.offset(),
                    "timestamp": timestamp,
                    "timestampType": TIMESTAMP_TYPES.get(timestamp_type, str(timestamp_type)),
                    "key": b64(message.key()),
                    "value": b64(message.value()),
                    "headers": None if headers is None else [[name, b64(value)] for name, value in headers],
                })
        return {"records": records}
    finally:
        consumer.close()


main(run)
