#!/usr/bin/env python3
"""producer_check.py: what scripts/wikimedia-producer wrote, against the events it read.

  producer_check.py expected SSE SCHEMA [N]
      the events of the SSE file (first N) as the topic should hold them, one JSON a line
  producer_check.py kafka LABEL BROKERS TOPIC REGISTRY_URL SUBJECT EXPECTED SCHEMA
      reads TOPIC with a confluent-kafka Consumer and AvroDeserializer against
      the registry and compares every record, in order, with EXPECTED; checks
      the subject was registered with the fixture schema and that every frame
      carries its id
  producer_check.py ndjson LABEL GOT EXPECTED
      compares avrodecode's NDJSON output with EXPECTED

Prints TAP lines for the suite "producer".
"""
import json
import sys
import time


def tap(ok, name, why="", detail=()):
    if ok:
        print("ok - producer: %s" % name)
    else:
        print("not ok - producer: %s: %s" % (name, why))
        for d in list(detail)[:5]:
            print("#   " + d)
    return ok


def sse_events(path):
    """The data of each dispatched message event, per the SSE rules."""
    out, data, ev = [], None, ""
    with open(path, encoding="utf-8", newline="") as f:
        for line in f.read().split("\n"):
            line = line[:-1] if line.endswith("\r") else line
            if line == "":
                if data is not None and ev in ("", "message"):
                    out.append(json.loads(" ".join(data)))
                data, ev = None, ""
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "data":
                data = (data or []) + [value]
            elif field == "event":
                ev = value
    return out


def shape(schema_type, value):
    """VALUE as the schema keeps it: unknown keys dropped, absent fields None."""
    if isinstance(schema_type, list):
        if value is None:
            return None
        branch = [t for t in schema_type if t != "null"][0]
        return shape(branch, value)
    if isinstance(schema_type, dict) and schema_type.get("type") == "record":
        return {f["name"]: shape(f["type"], value.get(f["name"])) for f in schema_type["fields"]}
    return value


def expected(sse, schema_path, n=None):
    schema = json.load(open(schema_path))
    events = sse_events(sse)
    if n is not None:
        events = events[:n]
    for e in events:
        if "$schema" in e:
            e["schema"] = e.pop("$schema")
        print(json.dumps(shape(schema, e), ensure_ascii=False, sort_keys=True))


def compare(label, got, want):
    if not tap(len(got) == len(want), label + ": record count",
               "%d records, %d events" % (len(got), len(want))):
        return
    bad = ["record %d: got %s want %s" % (i + 1, json.dumps(g, ensure_ascii=False)[:300],
                                          json.dumps(w, ensure_ascii=False)[:300])
           for i, (g, w) in enumerate(zip(got, want)) if g != w]
    tap(not bad, label + ": every event arrived in order with its values",
        "%d of %d records differ" % (len(bad), len(want)), bad)


def kafka(label, brokers, topic, url, subject, want_path, schema_path):
    from confluent_kafka import Consumer, KafkaError
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    want = [json.loads(x) for x in open(want_path, encoding="utf-8")]
    sr = SchemaRegistryClient({"url": url})
    try:
        latest = sr.get_latest_version(subject)
    except Exception as e:  # noqa: BLE001
        tap(False, label + ": subject %s registered" % subject, str(e))
        return
    fixture = json.load(open(schema_path))
    tap(json.loads(latest.schema.schema_str) == fixture or
        json.loads(latest.schema.schema_str).get("fields") == fixture["fields"],
        label + ": subject %s registered with the fixture schema" % subject,
        latest.schema.schema_str[:200])
    deser = AvroDeserializer(sr)
    c = Consumer({"bootstrap.servers": brokers, "group.id": "producer-check-%d" % time.time_ns(),
                  "auto.offset.reset": "earliest", "enable.partition.eof": True,
                  "enable.auto.commit": False})
    c.subscribe([topic])
    got, ids, errors, eof = [], set(), [], False
    deadline = time.time() + 30
    while not eof and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                eof = len(got) >= len(want) or time.time() > deadline - 20
                continue
            errors.append(str(m.error()))
            continue
        v = m.value()
        ids.add(int.from_bytes(v[1:5], "big") if v and v[0] == 0 else None)
        try:
            got.append(deser(v, SerializationContext(topic, MessageField.VALUE)))
        except Exception as e:  # noqa: BLE001
            errors.append("offset %d: %s" % (m.offset(), e))
    c.close()
    tap(not errors, label + ": AvroDeserializer reads every record", "; ".join(errors[:3]))
    tap(ids == {latest.schema_id}, label + ": every frame carries the registered id %d"
        % latest.schema_id, "ids %s" % sorted(map(str, ids)))
    compare(label, got, want)


def main():
    mode = sys.argv[1]
    if mode == "expected":
        expected(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else None)
    elif mode == "kafka":
        kafka(*sys.argv[2:9])
    elif mode == "ndjson":
        label, got, want = sys.argv[2:5]
        compare(label, [json.loads(x) for x in open(got, encoding="utf-8")],
                [json.loads(x) for x in open(want, encoding="utf-8")])
    else:
        sys.exit("producer_check.py: unknown mode " + mode)


if __name__ == "__main__":
    main()
