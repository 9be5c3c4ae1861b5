#!/usr/bin/env python3
"""job_read_output.py: reads wikimedia-job's output topic as a Confluent client would.

  job_read_output.py LABEL BROKERS TOPIC REGISTRY_URL SUBJECT SCHEMA WANT GOT

Reads every partition of TOPIC from the beginning with confluent-kafka's
Consumer, as cfjob's exactly-once promise is worded (isolation.level
read_committed: the rows of committed batches), and decodes each value with AvroDeserializer against the registry;
checks that SUBJECT holds SCHEMA (the job's output schema) and that every
frame carries SUBJECT's id, that no (window, requested_by) comes twice, and
that the rows, as a set of (start, end, requested_by, counts), are those of
WANT (job_reference.py rows). Writes the rows read to GOT, one JSON a line,
sorted. Prints TAP lines for the suite "job", named after LABEL.
"""
import json
import sys
import time


def tap(ok, name, why="", detail=()):
    if ok:
        print("ok - job: %s" % name)
    else:
        print("not ok - job: %s: %s" % (name, why))
        for d in list(detail)[:8]:
            print("#   " + d)
    sys.stdout.flush()
    return ok


def read_topic(brokers, topic, deser_fn):
    """(rows, schema ids, errors) of every partition of TOPIC, read up to its end."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

    c = Consumer({"bootstrap.servers": brokers, "group.id": "job-check-%d" % time.time_ns(),
                  "enable.partition.eof": True, "enable.auto.commit": False,
                  "isolation.level": "read_committed"})
    md = c.list_topics(topic, timeout=10)
    parts = sorted(md.topics[topic].partitions) if topic in md.topics else []
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
    rows, ids, errors, at_end = [], set(), [], set()
    deadline = time.time() + 30
    while len(at_end) < len(parts) and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(m.partition())
            else:
                errors.append(str(m.error()))
            continue
        v = m.value()
        ids.add(int.from_bytes(v[1:5], "big") if v and len(v) >= 5 and v[0] == 0 else None)
        try:
            rows.append(deser_fn(v))
        except Exception as e:  # noqa: BLE001
            errors.append("partition %d offset %d: %s" % (m.partition(), m.offset(), e))
    c.close()
    if not parts:
        errors.append("topic %s not found" % topic)
    elif len(at_end) < len(parts):
        errors.append("partitions %s not read to their end within 30 s"
                      % sorted(set(parts) - at_end))
    return rows, ids, errors


def main():
    if len(sys.argv) != 9:
        sys.exit(__doc__)
    label, brokers, topic, url, subject, schema_path, want_path, got_path = sys.argv[1:]
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    sr = SchemaRegistryClient({"url": url})
    try:
        latest = sr.get_latest_version(subject)
    except Exception as e:  # noqa: BLE001
        tap(False, label + ": output schema registered under %s" % subject, str(e))
        return
    registered = json.loads(latest.schema.schema_str)
    schema = json.load(open(schema_path))
    tap(registered == schema or registered.get("fields") == schema["fields"],
        label + ": output schema registered under %s (id %d)" % (subject, latest.schema_id),
        "registered %s" % latest.schema.schema_str[:200])

    deser = AvroDeserializer(sr)
    ctx = SerializationContext(topic, MessageField.VALUE)
    rows, ids, errors = read_topic(brokers, topic, lambda v: deser(v, ctx))
    tap(not errors, label + ": AvroDeserializer reads every row of %s" % topic,
        "%d errors" % len(errors), errors)
    tap(ids == {latest.schema_id}, label + ": every frame carries %s's id %d"
        % (subject, latest.schema_id), "ids %s" % sorted(map(str, ids)))

    got = sorted(({"start": r["window"]["start"], "end": r["window"]["end"],
                   "requested_by": r["requested_by"], "counts": r["counts"]} for r in rows),
                 key=lambda r: (r["start"], r["end"], str(r["requested_by"])))
    with open(got_path, "w") as f:
        for r in got:
            f.write(json.dumps(r, sort_keys=True) + "\n")
    want = [json.loads(x) for x in open(want_path, encoding="utf-8")]

    keys = {}
    for r in got:
        k = (r["start"], r["end"], r["requested_by"])
        keys[k] = keys.get(k, 0) + 1
    dup = ["%s %s %s: %d rows" % (k + (n,)) for k, n in sorted(keys.items(), key=str) if n > 1]
    tap(not dup, label + ": no (window, requested_by) written twice",
        "%d duplicated" % len(dup), dup)

    def as_set(rs):
        return {(r["start"], r["end"], r["requested_by"], r["counts"]) for r in rs}

    g, w = as_set(got), as_set(want)
    detail = (["missing %s" % (x,) for x in sorted(w - g, key=str)] +
              ["extra   %s" % (x,) for x in sorted(g - w, key=str)])
    tap(g == w and len(got) == len(want),
        label + ": rows equal the reference (%d rows, counts summing to %d)"
        % (len(want), sum(r["counts"] for r in want)),
        "%d rows read, %d expected; %d missing, %d extra"
        % (len(got), len(want), len(w - g), len(g - w)), detail)


if __name__ == "__main__":
    main()
