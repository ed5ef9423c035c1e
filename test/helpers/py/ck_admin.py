"""Creates topics with confluent-kafka's AdminClient (CreateTopics).

Input:  {"bootstrap", "topics": [{"topic", "partitions", "replicationFactor"?, "config"?}],
         "timeout"?: seconds}
Output: {"created": [topic names]}
"""

import concurrent.futures

from _common import fail, main

try:
    import confluent_kafka
    from confluent_kafka.admin import AdminClient, NewTopic
except ImportError as error:
    fail("confluent_kafka is not importable (apt-get install python3-confluent-kafka): %s" % error)


def run(spec):
    timeout = float(spec.get("timeout", 30))
    admin = AdminClient({"bootstrap.servers": spec["bootstrap"]})
    new_topics = [
        NewTopic(t["topic"], num_partitions=t["partitions"],
                 replication_factor=t.get("replicationFactor", 1), config=t.get("config", {}))
        for t in spec["topics"]
    ]
    futures = admin.create_topics(new_topics, operation_timeout=timeout, request_timeout=timeout)
    created = []
    for name, future in futures.items():
        try:
            future.result(timeout=timeout)  # raises KafkaException on a per-topic error
        except concurrent.futures.TimeoutError:
            fail("CreateTopics for %s got no answer within %ss" % (name, timeout))
        created.append(name)
    return {"created": sorted(created)}


main(run)
