"""Produces numbered records with an idempotent confluent-kafka (librdkafka) producer, slowly,
so that a test can cut the broker away in the middle and bring it back.

Input:  {"bootstrap", "topic", "count", "chunk"?, "pause"?: seconds between chunks,
         "config"?: {librdkafka properties}, "timeout"?: seconds}
Output: {"delivered": count, "offsets": [offset of record i]}; values are "v-<i>".
"""

import time

from _common import Deadline, fail, main

try:
    import confluent_kafka
except ImportError as error:
    fail("confluent_kafka is not importable (apt-get install python3-confluent-kafka): %s" % error)


def run(spec):
    timeout = float(spec.get("timeout", 40))
    deadline = Deadline(timeout)
    config = {
        "bootstrap.servers": spec["bootstrap"],
        "enable.idempotence": True,
        "message.timeout.ms": int(timeout * 1000),
        "linger.ms": 5,
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 200,
        "retry.backoff.ms": 50,
    }
    config.update(spec.get("config", {}))
    producer = confluent_kafka.Producer(config)
    count = int(spec["count"])
    chunk = int(spec.get("chunk", 20))
    pause = float(spec.get("pause", 0.02))
    offsets = [None] * count
    errors = []

    def on_delivery_for(index):
        def on_delivery(error, message):
            if error is not None:
                errors.append({"index": index, "error": str(error)})
            else:
                offsets[index] = message.offset()
        return on_delivery

    for index in range(count):
        while True:
            try:
                producer.produce(spec["topic"], value=("v-%d" % index).encode(), partition=0, on_delivery=on_delivery_for(index))
                break
            except BufferError:
                producer.poll(0.1)
        if index % chunk == chunk - 1:
            producer.poll(pause)
    remaining = producer.flush(deadline.left())
    if errors:
        fail("%d records failed; first: %s" % (len(errors), errors[0]["error"]), errors=errors[:20])
    if remaining > 0:
        fail("%d records not delivered within %ss" % (remaining, timeout))
    return {"delivered": count, "offsets": offsets}


main(run)
