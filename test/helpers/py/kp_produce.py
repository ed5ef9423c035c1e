"""Produces records with kafka-python (pure Python, its own protocol code: a second, independent
reading of the Kafka protocol next to librdkafka's).

Input:  {"bootstrap", "topic", "records": [{"key", "value", "headers": [[name, value]],
         "partition"?, "timestamp"?}], "apiVersion"?: [2, 5, 0], "compression"?: "gzip",
         "timeout"?: seconds}
Output: {"delivered": [{"partition", "offset", "timestamp"}], in the order of "records"}
"""

from _common import Deadline, fail, main, unb64

try:
    from kafka import KafkaProducer
except ImportError as error:
    fail("kafka is not importable (apt-get install python3-kafka): %s" % error)


def run(spec):
    timeout = float(spec.get("timeout", 30))
    deadline = Deadline(timeout)
    options = {
        "bootstrap_servers": [spec["bootstrap"]],
        "acks": "all",
        "linger_ms": 5,
        "max_block_ms": int(timeout * 1000),
        "request_timeout_ms": int(timeout * 1000),
        "max_in_flight_requests_per_connection": 1,  # keeps order even if a request is retried
    }
    if spec.get("apiVersion"):
        options["api_version"] = tuple(spec["apiVersion"])
    if spec.get("compression"):
        options["compression_type"] = spec["compression"]
    producer = KafkaProducer(**options)
    try:
        futures = []
        for record in spec["records"]:
            kwargs = {"value": unb64(record.get("value")), "key": unb64(record.get("key"))}
            if record.get("headers"):
                kwargs["headers"] = [(name, unb64(value)) for name, value in record["headers"]]
            if record.get("partition") is not None:
                kwargs["partition"] = record["partition"]
            if record.get("timestamp") is not None:
                kwargs["timestamp_ms"] = record["timestamp"]
            futures.append(producer.send(spec["topic"], **kwargs))
        producer.flush(timeout=deadline.left())
        delivered = []
        for future in futures:
            metadata = future.get(timeout=max(0.1, deadline.left()))
            delivered.append({"partition": metadata.partition, "offset": metadata.offset,
                              "timestamp": metadata.timestamp})
        return {"delivered": delivered}
    finally:
        producer.close(timeout=max(0.1, deadline.left()))


main(run)
