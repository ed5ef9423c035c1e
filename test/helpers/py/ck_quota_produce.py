"""Produces as fast as a confluent-kafka (librdkafka) producer can, for quota tests.

Counts the bytes of values acknowledged by the broker after a warm-up, and the throttle times
the broker reported (librdkafka's throttle_cb, from throttle_time_ms of Produce responses).
Stops after "seconds", or once "maxBytes" were acknowledged.

Input:  {"bootstrap", "topic", "seconds", "warmup", "valueSize", "maxBytes"?, "config"?}
Output: {"bytes", "elapsed", "rate" (bytes/s after the warm-up), "throttles": [ms, ...],
         "totalBytes", "totalElapsed"}
"""

import time

from _common import fail, main

try:
    import confluent_kafka
except ImportError as error:
    fail("confluent_kafka is not importable (apt-get install python3-confluent-kafka): %s" % error)


def run(spec):
    throttles = []
    config = {
        "bootstrap.servers": spec["bootstrap"],
        "linger.ms": 5,
        "queue.buffering.max.kbytes": 4096,
        "throttle_cb": lambda event: throttles.append(event.throttle_time * 1000.0),
    }
    config.update(spec.get("config", {}))
    producer = confluent_kafka.Producer(config)
    value = b"q" * int(spec["valueSize"])
    seconds = float(spec["seconds"])
    warmup = float(spec.get("warmup", 0))
    max_bytes = spec.get("maxBytes")
    start = time.monotonic()
    state = {"after": 0, "total": 0, "errors": [], "stopped": False}

    def delivered(error, message):
        if error is not None:
            state["errors"].append(str(error))
            return
        if state["stopped"]:
            return
        state["total"] += len(message.value())
        if time.monotonic() - start >= warmup:
            state["after"] += len(message.value())

    while True:
        now = time.monotonic() - start
        if now >= seconds or (max_bytes is not None and state["total"] >= max_bytes):
            break
        try:
            producer.produce(spec["topic"], value, on_delivery=delivered)
            producer.poll(0)
        except BufferError:
            producer.poll(0.01)
    producer.poll(0)
    elapsed = time.monotonic() - start
    state["stopped"] = True
    # What is still queued is not counted: drop it rather than wait for it.
    producer.purge()
    producer.flush(5)
    if state["errors"] and not all("Purged" in e for e in state["errors"]):
        fail("delivery errors: %s" % state["errors"][:3])
    measured = max(elapsed - warmup, 1e-9)
    return {
        "bytes": state["after"],
        "elapsed": measured,
        "rate": state["after"] / measured,
        "throttles": throttles,
        "totalBytes": state["total"],
        "totalElapsed": elapsed,
    }


main(run)
