"""A long-running consumer-group member for the group tests (test/integration/groups-*.test.ts).

Usage: group_member.py '<json config>'. The config names the client ("ck" for
confluent-kafka-python / librdkafka, "kp" for kafka-python), the bootstrap servers, group,
topic, timeouts and, optionally, the assignment strategy, group.instance.id and "extra"
librdkafka settings.

The script prints one JSON object per line on stdout, as things happen:
  {"event": "assignment", "partitions": [...]}   the member's whole assignment after a change
  {"event": "record", "partition": p, "offset": o, "value": "..."}
  {"event": "committed"} / {"event": "closed"} / {"event": "error", "error": "..."}
and takes commands, one per line, on stdin: "commit" (synchronous commit of what was
consumed) and "close" (leave the group and exit). Offsets are committed only on command.
"""

import json
import queue
import sys
import threading
import traceback


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def read_commands(q):
    for line in sys.stdin:
        q.put(line.strip())
    q.put("close")


def run_ck(cfg, commands):
    from confluent_kafka import Consumer

    conf = {
        "bootstrap.servers": cfg["bootstrap"],
        "group.id": cfg["group"],
        "client.id": cfg.get("clientId", "ck-member"),
        "session.timeout.ms": cfg["sessionTimeoutMs"],
        "heartbeat.interval.ms": cfg["heartbeatIntervalMs"],
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "fetch.wait.max.ms": 100,
        "partition.assignment.strategy": cfg.get("strategy", "range"),
        "topic.metadata.refresh.interval.ms": 1000,
    }
    if cfg.get("instanceId"):
        conf["group.instance.id"] = cfg["instanceId"]
    conf.update(cfg.get("extra", {}))
    consumer = Consumer(conf)
    owned = set()

    def on_assign(c, partitions):
        for p in partitions:
            owned.add(p.partition)
        emit({"event": "assignment", "partitions": sorted(owned)})

    def on_revoke(c, partitions):
        for p in partitions:
            owned.discard(p.partition)
        emit({"event": "assignment", "partitions": sorted(owned)})

    def on_lost(c, partitions):
        on_revoke(c, partitions)

    consumer.subscribe([cfg["topic"]], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)
    while True:
        msg = consumer.poll(0.05)
        if msg is not None:
            if msg.error():
                emit({"event": "error", "error": str(msg.error())})
            else:
                value = msg.value()
                emit({"event": "record", "partition": msg.partition(), "offset": msg.offset(), "value": None if value is None else value.decode()})
        try:
            command = commands.get_nowait()
        except queue.Empty:
            continue
        if command == "commit":
            try:
                consumer.commit(asynchronous=False)
            except Exception as e:  # nothing consumed yet (_NO_OFFSET) is fine
                emit({"event": "error", "error": str(e)})
            emit({"event": "committed"})
        elif command == "close":
            consumer.close()
            emit({"event": "closed"})
            return


def run_kp(cfg, commands):
    from kafka import KafkaConsumer
    from kafka.consumer.subscription_state import ConsumerRebalanceListener

    consumer = KafkaConsumer(
        bootstrap_servers=cfg["bootstrap"],
        group_id=cfg["group"],
        client_id=cfg.get("clientId", "kp-member"),
        session_timeout_ms=cfg["sessionTimeoutMs"],
        heartbeat_interval_ms=cfg["heartbeatIntervalMs"],
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
        metadata_max_age_ms=1000,
    )

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            emit({"event": "assignment", "partitions": []})

        def on_partitions_assigned(self, assigned):
            emit({"event": "assignment", "partitions": sorted(tp.partition for tp in assigned)})

    consumer.subscribe([cfg["topic"]], listener=Listener())
    while True:
        batches = consumer.poll(timeout_ms=50)
        for records in batches.values():
            for r in records:
                emit({"event": "record", "partition": r.partition, "offset": r.offset, "value": None if r.value is None else r.value.decode()})
        try:
            command = commands.get_nowait()
        except queue.Empty:
            continue
        if command == "commit":
            consumer.commit()
            emit({"event": "committed"})
        elif command == "close":
            consumer.close()
            emit({"event": "closed"})
            return


def main():
    cfg = json.loads(sys.argv[1])
    commands = queue.Queue()
    threading.Thread(target=read_commands, args=(commands,), daemon=True).start()
    try:
        if cfg["client"] == "ck":
            run_ck(cfg, commands)
        else:
            run_kp(cfg, commands)
    except Exception as e:
        emit({"event": "error", "error": "%s: %s" % (type(e).__name__, e), "trace": traceback.format_exc()})
        sys.exit(1)


if __name__ == "__main__":
    main()
