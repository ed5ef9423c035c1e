"""Produces records with confluent-kafka (librdkafka) and reports where each one landed.

Input:  {"bootstrap", "topic", "records": [{"key", "value", "headers": [[name, value]],
         "partition"?, "timestamp"?}], "config"?: {librdkafka properties}, "timeout"?: seconds}
Output: {"delivered": [{"partition", "offset", "timestamp"}], in the order of "records"}
"""

from _common import Deadline, fail, main, unb64

try:
    import confluent_kafka
except ImportError as error:
    fail("confluent_kafka is not importable (apt-get install python3-confluent-kafka): %s" % error)


def run(spec):
    timeout = float(spec.get("timeout", 30))
    deadline = Deadline(timeout)
    config = {
        "bootstrap.servers": spec["bootstrap"],
        "message.timeout.ms": int(timeout * 1000),
        "socket.timeout.ms": int(timeout * 1000),
    }
    config.update(spec.get("config", {}))
    producer = confluent_kafka.Producer(config)
    records = spec["records"]
    delivered = [None] * len(records)
    errors = []

    def on_delivery_for(index):
        def on_delivery(error, message):
            if error is not None:
                errors.append({"index": index, "error": str(error)})
            else:
                delivered[index] = {
                    "partition": message.partition(),
                    "offset": message.offset(),
                    "timestamp": message.timestamp()[1],
                }
        return on_delivery

    for index, record in enumerate(records):
        kwargs = {"value": unb64(record.get("value")), "key": unb64(record.get("key"))}
        if record.get("headers"):
            kwargs["headers"] = [(name, unb64(value)) for name, value in record["headers"]]
        if record.get("partition") is not None:
            kwargs["partition"] = record["partition"]
        if record.get("timestamp") is not None:
            kwargs["timestamp"] = record["timestamp"]
        while True:
            try:
                producer.produce(spec["topic"], on_delivery=on_delivery_for(index), **kwargs)
                break
            except BufferError:
                producer.poll(0.1)
                if deadline.passed():
                    fail("local queue stayed full until the timeout (%ss)" % timeout)
        producer.poll(0)

    remaining = producer.flush(deadline.left())
    if errors:
        fail("%d of %d records failed; first: %s" % (len(errors), len(records), errors[0]["error"]), errors=errors[:20])
    if remaining > 0:
        fail("%d of %d records not delivered within %ss" % (remaining, len(records), timeout))
    return {"delivered": delivered}


main(run)
