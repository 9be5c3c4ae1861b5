"""The seed's job as a Python user would write it without Spark, the peer of
the benchmark (tests/bench/job): confluent-kafka-python's Consumer and
Producer, its AvroDeserializer and AvroSerializer (fastavro underneath) with
a Schema Registry, and the windows in a dict.

    py_consumer.py BROKERS REGISTRY_URL IN_TOPIC OUT_TOPIC OUT.avsc P:END,...

Reads partitions P of IN_TOPIC from offset 0 up to END (exclusive), keeps
type == 'edit', counts per (60 s window sliding by 30 s, bot) with a
watermark 60 s behind the highest event time seen (late pairs dropped), and
produces each window's rows, {window: {start, end}, requested_by, counts},
Confluent-framed, to OUT_TOPIC once the watermark passes the window's end;
the windows still open are flushed at the end. Prints one JSON line: the
records read, the rows produced and the seconds from the first poll to the
last delivery.
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

SIZE, SLIDE, DELAY = 60, 30, 60


def iso(t):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))


def main():
    brokers, registry, in_topic, out_topic, out_avsc, ends = sys.argv[1:7]
    ends = {int(p): int(e) for p, e in (x.split(":") for x in ends.split(","))}
    sr = SchemaRegistryClient({"url": registry})
    deser = AvroDeserializer(sr)
    ser = AvroSerializer(sr, open(out_avsc).read(), conf={"auto.register.schemas": True})
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": "py-consumer-bench",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    producer = Producer({"bootstrap.servers": brokers, "linger.ms": 5})
    consumer.assign([TopicPartition(in_topic, p, 0) for p in ends])
    in_ctx = SerializationContext(in_topic, MessageField.VALUE)
    out_ctx = SerializationContext(out_topic, MessageField.VALUE)

    windows = {}  # (start, end) -> {"Bot"/"Human"/None: count}
    maxt = None
    read = rows = 0
    left = {p: e for p, e in ends.items() if e > 0}

    def emit(upto):
        nonlocal rows
        for k in sorted(k for k in windows if upto is None or k[1] <= upto):
            for who, n in sorted(windows.pop(k).items(), key=lambda x: str(x[0])):
                row = {"window": {"start": iso(k[0]), "end": iso(k[1])},
                       "requested_by": who, "counts": n}
                producer.produce(out_topic, ser(row, out_ctx))
                producer.poll(0)
                rows += 1

    t0 = time.time()
    while left:
        for msg in consumer.consume(1000, 1.0):
            if msg.error():
                sys.exit(f"py_consumer: {msg.error()}")
            p = msg.partition()
            if p not in left or msg.offset() >= left[p]:
                continue
            if msg.offset() == left[p] - 1:
                del left[p]
            read += 1
            ev = deser(msg.value(), in_ctx)
            if ev is None or ev.get("type") != "edit" or ev.get("timestamp") is None:
                continue
            t = ev["timestamp"]
            who = {True: "Bot", False: "Human"}.get(ev.get("bot"))
            mark = None if maxt is None else maxt - DELAY
            s = t - t % SLIDE
            while s > t - SIZE:
                if mark is None or s + SIZE > mark:
                    w = windows.setdefault((s, s + SIZE), {})
                    w[who] = w.get(who, 0) + 1
                s -= SLIDE
            if maxt is None or t > maxt:
                maxt = t
                emit(maxt - DELAY)
    emit(None)
    producer.flush()
    t1 = time.time()
    consumer.close()
    print(json.dumps({"read": read, "rows": rows, "seconds": t1 - t0}))


if __name__ == "__main__":
    main()
