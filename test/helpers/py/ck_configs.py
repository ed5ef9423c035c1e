"""Runs a list of admin steps with confluent-kafka's AdminClient (and a Producer and a
Consumer for produce and watermark steps), for the issue 4 admin tests.

Input:  {"bootstrap", "steps": [step, ...], "timeout"?: seconds}
  {"op": "describe", "type": "topic"|"broker", "name"}
  {"op": "alter", "type", "name", "configs": {k: v}, "validateOnly"?: bool}
  {"op": "create_partitions", "topic", "count", "validateOnly"?: bool}
  {"op": "produce", "topic", "partitions": [p, ...], "count"}   (count records to each)
  {"op": "watermarks", "topic", "partitions": [p, ...]}
Output: {"results": [one per step]}; a step that fails gives {"error": "<KafkaError name>"}.
  describe gives {"configs": {name: {"value", "source", "isDefault", "readOnly", "sensitive",
  "synonyms": [[name, value, source], ...]}}}, sources as Kafka's names.
"""

import concurrent.futures

from _common import fail, main

try:
    import confluent_kafka
    from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions
except ImportError as error:
    fail("confluent_kafka is not importable (apt-get install python3-confluent-kafka): %s" % error)


def resource(step):
    kind = ConfigResource.Type.TOPIC if step["type"] == "topic" else ConfigResource.Type.BROKER
    return ConfigResource(kind, step["name"], set_config=step.get("configs"))


def error_name(exc):
    if isinstance(exc, KafkaException) and exc.args:
        return exc.args[0].name()
    return "%s: %s" % (type(exc).__name__, exc)


def entry(e):
    return {
        "value": e.value,
        "source": confluent_kafka.admin.ConfigSource(e.source).name,
        "isDefault": e.is_default,
        "readOnly": e.is_read_only,
        "sensitive": e.is_sensitive,
        "synonyms": [[s.name, s.value, confluent_kafka.admin.ConfigSource(s.source).name] for s in e.synonyms.values()],
    }


def run(spec):
    timeout = float(spec.get("timeout", 20))
    admin = AdminClient({"bootstrap.servers": spec["bootstrap"]})
    results = []
    for step in spec["steps"]:
        op = step["op"]
        try:
            if op == "describe":
                futures = admin.describe_configs([resource(step)], request_timeout=timeout)
                configs = list(futures.values())[0].result(timeout=timeout)
                results.append({"configs": {name: entry(e) for name, e in configs.items()}})
            elif op == "alter":
                futures = admin.alter_configs([resource(step)], request_timeout=timeout, validate_only=step.get("validateOnly", False))
                list(futures.values())[0].result(timeout=timeout)
                results.append({"ok": True})
            elif op == "create_partitions":
                futures = admin.create_partitions([NewPartitions(step["topic"], step["count"])], request_timeout=timeout,
                                                  validate_only=step.get("validateOnly", False))
                list(futures.values())[0].result(timeout=timeout)
                results.append({"ok": True})
            elif op == "produce":
                producer = Producer({"bootstrap.servers": spec["bootstrap"], "topic.metadata.refresh.interval.ms": 100})
                delivered = []

                def on_delivery(err, msg):
                    delivered.append({"partition": msg.partition(), "offset": msg.offset(), "error": err.name() if err else None})

                for p in step["partitions"]:
                    for i in range(step["count"]):
                        producer.produce(step["topic"], key=b"k%d" % i, value=b"v%d" % i, partition=p, on_delivery=on_delivery)
                left = producer.flush(timeout)
                if left:
                    fail("%d records not delivered" % left)
                results.append({"delivered": delivered})
            elif op == "watermarks":
                consumer = Consumer({"bootstrap.servers": spec["bootstrap"], "group.id": "ck-configs-watermarks"})
                marks = {}
                for p in step["partitions"]:
                    low, high = consumer.get_watermark_offsets(TopicPartition(step["topic"], p), timeout=timeout)
                    marks[str(p)] = [low, high]
                consumer.close()
                results.append({"watermarks": marks})
            else:
                fail("unknown step %s" % op)
        except (KafkaException, concurrent.futures.TimeoutError) as exc:
            results.append({"error": error_name(exc)})
    return {"results": results}


main(run)
