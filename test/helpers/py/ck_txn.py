"""Transactional confluent-kafka (librdkafka) producer steps.

Input:  {"bootstrap", "transactional_id", "steps": [{"op": "produce", "topic", "values": [...],
         "partition"?}, {"op": "commit"}, {"op": "abort"}, {"op": "begin"}], "config"?,
         {"op": "fence"}: a second producer with the same transactional id initializes, then
         this one tries a transaction; its error name is reported}
Output: {"ok": true, "fenced_error"?: str}
"""

from _common import fail, main

try:
    import confluent_kafka
except ImportError as error:
    fail("confluent_kafka is not importable (apt-get install python3-confluent-kafka): %s" % error)


def run(spec):
    config = {
        "bootstrap.servers": spec["bootstrap"],
        "transactional.id": spec["transactional_id"],
        "transaction.timeout.ms": 60000,
    }
    config.update(spec.get("config", {}))
    producer = confluent_kafka.Producer(config)
    producer.init_transactions(30)
    result = {"ok": True}
    for step in spec["steps"]:
        op = step["op"]
        if op == "begin":
            producer.begin_transaction()
        elif op == "produce":
            for value in step["values"]:
                producer.produce(step["topic"], value=value.encode(), partition=step.get("partition", 0))
            producer.flush(30)
        elif op == "commit":
            producer.commit_transaction(30)
        elif op == "abort":
            producer.abort_transaction(30)
        elif op == "fence":
            second = confluent_kafka.Producer(config)
            second.init_transactions(30)
            try:
                producer.begin_transaction()
                producer.produce(step["topic"], value=b"zombie", partition=0)
                producer.flush(10)
                producer.commit_transaction(10)
                result["fenced_error"] = None
            except confluent_kafka.KafkaException as error:
                result["fenced_error"] = error.args[0].name()
            second.begin_transaction()
            second.produce(step["topic"], value=b"second", partition=0)
            second.commit_transaction(30)
    return result


main(run)
