"""confluent-kafka (librdkafka) consume-transform-produce with send_offsets_to_transaction.

A read_committed consumer in `group` reads `input` partition 0; for each round, a transaction
produces "<prefix>-<value>" of `count` records to `output` and sends the consumer's position
as the group's offsets, then commits or aborts (after an abort the consumer seeks back to the
committed position, as an application must). Then a new consumer in the group reports where
it starts (the group's committed offset, fetched with require_stable).

Input:  {"bootstrap", "transactional_id", "group", "input", "output", "count", "rounds": ["commit"|"abort", ...]}
Output: {"ok": true, "restart_offset": int, "transformed": [str, ...]}
"""

from _common import fail, main

try:
    import confluent_kafka
except ImportError as error:
    fail("confluent_kafka is not importable (apt-get install python3-confluent-kafka): %s" % error)


def consumer(spec):
    c = confluent_kafka.Consumer({
        "bootstrap.servers": spec["bootstrap"],
        "group.id": spec["group"],
        "isolation.level": "read_committed",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    })
    c.assign([confluent_kafka.TopicPartition(spec["input"], 0)])
    return c


def committed_offset(c, spec):
    [tp] = c.committed([confluent_kafka.TopicPartition(spec["input"], 0)], timeout=30)
    return tp.offset


def run(spec):
    producer = confluent_kafka.Producer({
        "bootstrap.servers": spec["bootstrap"],
        "transactional.id": spec["transactional_id"],
        "transaction.timeout.ms": 60000,
    })
    producer.init_transactions(30)
    c = consumer(spec)
    transformed = []
    for outcome in spec["rounds"]:
        producer.begin_transaction()
        messages = []
        while len(messages) < spec["count"]:
            m = c.poll(10)
            if m is None:
                fail("no record within 10 s", got=len(messages))
            if m.error():
                fail("consume error: %s" % m.error())
            messages.append(m)
        for m in messages:
            value = "%s-%s" % (outcome, m.value().decode())
            producer.produce(spec["output"], value=value.encode(), partition=0)
            transformed.append(value)
        producer.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
        if outcome == "commit":
            producer.commit_transaction(30)
        else:
            producer.abort_transaction(30)
            offset = committed_offset(c, spec)
            c.seek(confluent_kafka.TopicPartition(spec["input"], 0, offset if offset >= 0 else 0))
    c.close()
    fresh = consumer(spec)
    restart = committed_offset(fresh, spec)
    fresh.close()
    return {"ok": True, "restart_offset": restart, "transformed": transformed}


main(run)
