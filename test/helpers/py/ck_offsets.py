"""Looks up offsets by timestamp (ListOffsets) with confluent-kafka's offsets_for_times.

For each query the broker answers with the earliest offset whose timestamp is at or after the
given one, or -1 when there is none; the timestamps -2 and -1 ask for the earliest and the
latest offset. Also reports each partition's low and high watermarks.

Input:  {"bootstrap", "topic", "queries": [{"partition", "timestamp"}], "timeout"?: seconds}
Output: {"offsets": [{"partition", "timestamp", "offset"}] (in query order),
         "watermarks": [{"partition", "low", "high"}]}
"""

import uuid

from _common import Deadline, fail, main

try:
    import confluent_kafka
except ImportError as error:
    fail("confluent_kafka is not importable (apt-get install python3-confluent-kafka): %s" % error)


def run(spec):
    timeout = float(spec.get("timeout", 30))
    deadline = Deadline(timeout)
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": spec["bootstrap"],
        "group.id": "runnel-test-%s" % uuid.uuid4(),
        "enable.auto.commit": False,
    })
    try:
        topic = spec["topic"]
        offsets = []
        # One query per call: a partition may appear in several queries.
        for query in spec["queries"]:
            found = consumer.offsets_for_times(
                [confluent_kafka.TopicPartition(topic, query["partition"], query["timestamp"])],
                timeout=max(0.1, deadline.left()),
            )[0]
            if found.error is not None:
                fail("offsets_for_times(%s): %s" % (query, found.error))
            offsets.append({"partition": found.partition, "timestamp": query["timestamp"], "offset": found.offset})
        watermarks = []
        for partition in sorted({q["partition"] for q in spec["queries"]}):
            low, high = consumer.get_watermark_offsets(
                confluent_kafka.TopicPartition(topic, partition), timeout=max(0.1, deadline.left()))
            watermarks.append({"partition": partition, "low": low, "high": high})
        return {"offsets": offsets, "watermarks": watermarks}
    finally:
        consumer.close()


main(run)
