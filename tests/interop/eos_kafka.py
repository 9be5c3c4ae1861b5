#!/usr/bin/env python3
"""eos_kafka.py: the Kafka client side of tests/e2e/job-eos.sh (confluent-kafka).

  eos_kafka.py create BROKERS NAME:PARTITIONS[:key=value,...] ...
      creates topics (replication factor 1) and waits until every partition
      has a leader
  eos_kafka.py delete BROKERS NAME ...
      deletes topics and waits until they are gone from the topic list
  eos_kafka.py topics BROKERS
      the names of all topics, one a line, sorted; a listing of every topic,
      which never asks the broker to create one (auto.create.topics.enable)
  eos_kafka.py produce BROKERS TOPIC FILE0 [FILE1 ...]
      the records of FILEi (a record stream: 4-byte big-endian length and
      value, -1 a null record) to partition i, in order (an idempotent
      producer, acks=all); prints how many
  eos_kafka.py read BROKERS TOPIC committed|uncommitted [STAMPS]
      every record of every partition of TOPIC, from its start to its end
      (the last stable offset with read_committed), as a record stream on
      stdout; with STAMPS, a "partition offset" line for each record in
      that file, in the same order. Fails when a partition does not reach
      its end within 60 s.
  eos_kafka.py ends BROKERS TOPIC
      "PARTITION LOW HIGH" for each partition (watermarks)
  eos_kafka.py trim BROKERS TOPIC PARTITION OFFSET
      deletes the records of the partition before OFFSET (its log start
      moves there), as retention would
  eos_kafka.py offsets BROKERS GROUP TOPIC [TIMEOUT]
      "PARTITION COMMITTED HIGH METADATA" for each partition: the group's
      committed offset (-1001: none) and metadata ("-" when empty), and the
      partition's high watermark; read without joining the group, with
      require_stable (isolation.level=read_committed): a pending
      transactional commit of the group's offsets makes it wait, TIMEOUT
      seconds at most (20 by default): then status 2, "timed out"
"""
import re
import struct
import sys
import time


def admin(brokers):
    from confluent_kafka.admin import AdminClient
    return AdminClient({"bootstrap.servers": brokers})


def topic_names(a):
    return sorted(t for t in a.list_topics(timeout=20).topics)


def create(brokers, specs):
    from confluent_kafka.admin import NewTopic
    a = admin(brokers)
    new, want = [], {}
    for s in specs:
        parts = s.split(":")
        conf = {}
        if len(parts) > 2:
            for kv in parts[2].split(","):
                k, v = kv.split("=", 1)
                conf[k] = v
        new.append(NewTopic(parts[0], int(parts[1]), 1, config=conf))
        want[parts[0]] = int(parts[1])
    for name, f in a.create_topics(new, operation_timeout=30).items():
        f.result()
    deadline = time.time() + 30
    while time.time() < deadline:
        md = a.list_topics(timeout=10).topics
        if all(n in md and len(md[n].partitions) == k and
               all(p.leader >= 0 for p in md[n].partitions.values())
               for n, k in want.items()):
            return
        time.sleep(0.1)
    sys.exit("eos_kafka.py create: partitions without a leader after 30 s")


def delete(brokers, names):
    a = admin(brokers)
    for name, f in a.delete_topics(list(names), operation_timeout=30).items():
        f.result()
    deadline = time.time() + 30
    while time.time() < deadline:
        if not set(names) & set(topic_names(a)):
            return
        time.sleep(0.1)
    sys.exit("eos_kafka.py delete: topics still listed after 30 s")


def records(path):
    data = open(path, "rb").read()
    i = 0
    while i < len(data):
        (n,) = struct.unpack(">i", data[i:i + 4])
        i += 4
        if n == -1:
            yield None
            continue
        if n < 0 or i + n > len(data):
            sys.exit("eos_kafka.py: %s: bad record length %d at byte %d" % (path, n, i - 4))
        yield data[i:i + n]
        i += n


def produce(brokers, topic, files):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": brokers, "enable.idempotence": True, "acks": "all",
                  "linger.ms": 5, "allow.auto.create.topics": False})
    errors, n = [], 0

    def cb(err, msg):
        if err is not None:
            errors.append(str(err))
    for part, path in enumerate(files):
        for v in records(path):
            while True:
                try:
                    p.produce(topic, value=v, partition=part, on_delivery=cb)
                    break
                except BufferError:
                    p.poll(0.1)
            n += 1
            p.poll(0)
    left = p.flush(60)
    if errors or left:
        sys.exit("eos_kafka.py produce: %d errors (%s), %d undelivered"
                 % (len(errors), errors[:3], left))
    print(n)


def partitions(c, topic):
    md = c.list_topics(topic, timeout=20)
    t = md.topics.get(topic)
    if t is None or t.error is not None:
        sys.exit("eos_kafka.py: topic %s not found" % topic)
    return sorted(t.partitions)


def read(brokers, topic, isolation, stamps=None):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
    c = Consumer({"bootstrap.servers": brokers, "group.id": "eos-read-%d" % time.time_ns(),
                  "enable.auto.commit": False, "enable.partition.eof": True,
                  "isolation.level": "read_" + isolation, "allow.auto.create.topics": False})
    parts = partitions(c, topic)
    # a partition already empty gives its EOF too; ends: high watermarks now
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
    out = sys.stdout.buffer
    st = open(stamps, "w") if stamps else None
    at_end, n = set(), 0
    deadline = time.time() + 60
    while len(at_end) < len(parts):
        if time.time() > deadline:
            sys.exit("eos_kafka.py read: partitions %s of %s not read to their end in 60 s"
                     % (sorted(set(parts) - at_end), topic))
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(m.partition())
                continue
            sys.exit("eos_kafka.py read: %s" % m.error())
        v = m.value()
        if v is None:
            out.write(struct.pack(">i", -1))
        else:
            out.write(struct.pack(">i", len(v)) + v)
        if st:
            st.write("%d %d\n" % (m.partition(), m.offset()))
        n += 1
    c.close()
    out.flush()
    print("eos_kafka.py read: %d records from %s (read_%s)" % (n, topic, isolation), file=sys.stderr)


def ends(brokers, topic):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": brokers, "group.id": "eos-ends",
                  "allow.auto.create.topics": False})
    for p in partitions(c, topic):
        lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=20)
        print(p, lo, hi)
    c.close()


def trim(brokers, topic, part, offset):
    from confluent_kafka import TopicPartition
    a = admin(brokers)
    for tp, f in a.delete_records([TopicPartition(topic, int(part), int(offset))],
                                  operation_timeout=30).items():
        r = f.result()
        print(r.low_watermark)


def committed_metadata(brokers, group, topic, parts, timeout):
    """{partition: metadata} read through the system's librdkafka (cfjob's),
    with its length; None when it cannot be loaded or read."""
    import ctypes
    import ctypes.util

    class TP(ctypes.Structure):
        _fields_ = [("topic", ctypes.c_char_p), ("partition", ctypes.c_int32),
                    ("offset", ctypes.c_int64), ("metadata", ctypes.c_void_p),
                    ("metadata_size", ctypes.c_size_t), ("opaque", ctypes.c_void_p),
                    ("err", ctypes.c_int), ("_private", ctypes.c_void_p)]

    class TPL(ctypes.Structure):
        _fields_ = [("cnt", ctypes.c_int), ("size", ctypes.c_int), ("elems", ctypes.POINTER(TP))]

    try:
        lib = ctypes.CDLL(ctypes.util.find_library("rdkafka") or "librdkafka.so.1")
    except OSError:
        return None
    lib.rd_kafka_conf_new.restype = ctypes.c_void_p
    lib.rd_kafka_conf_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                      ctypes.c_char_p, ctypes.c_size_t]
    lib.rd_kafka_new.restype = ctypes.c_void_p
    lib.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.rd_kafka_topic_partition_list_new.restype = ctypes.POINTER(TPL)
    lib.rd_kafka_topic_partition_list_add.argtypes = [ctypes.POINTER(TPL), ctypes.c_char_p, ctypes.c_int32]
    lib.rd_kafka_committed.argtypes = [ctypes.c_void_p, ctypes.POINTER(TPL), ctypes.c_int]
    lib.rd_kafka_destroy.argtypes = [ctypes.c_void_p]
    lib.rd_kafka_topic_partition_list_destroy.argtypes = [ctypes.POINTER(TPL)]
    conf = lib.rd_kafka_conf_new()
    err = ctypes.create_string_buffer(512)
    for k, v in (("bootstrap.servers", brokers), ("group.id", group),
                 ("enable.auto.commit", "false"), ("isolation.level", "read_committed"),
                 ("log_level", "0")):
        if lib.rd_kafka_conf_set(conf, k.encode(), v.encode(), err, 512) != 0:
            return None
    rk = lib.rd_kafka_new(1, conf, err, 512)  # RD_KAFKA_CONSUMER
    if not rk:
        return None
    tl = lib.rd_kafka_topic_partition_list_new(len(parts))
    for p in parts:
        lib.rd_kafka_topic_partition_list_add(tl, topic.encode(), p)
    out = None
    if lib.rd_kafka_committed(rk, tl, int(float(timeout) * 1000)) == 0:
        out = {}
        for i in range(tl.contents.cnt):
            e = tl.contents.elems[i]
            out[e.partition] = (ctypes.string_at(e.metadata, e.metadata_size).decode("latin-1")
                                if e.metadata else "")
    lib.rd_kafka_topic_partition_list_destroy(tl)
    lib.rd_kafka_destroy(rk)
    return out


def offsets(brokers, group, topic, timeout=20):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": brokers, "group.id": group, "enable.auto.commit": False,
                  "allow.auto.create.topics": False})
    parts = partitions(c, topic)
    from confluent_kafka import KafkaException
    try:
        got = c.committed([TopicPartition(topic, p) for p in parts], timeout=float(timeout))
    except KafkaException as e:
        print("eos_kafka.py offsets: timed out (%s)" % e, file=sys.stderr)
        sys.exit(2)
    # confluent-kafka 2.16 may give the metadata with bytes after its end
    # (seen: "cfjob batch 6\x7f", "cfjob batch 6~" where the group's record holds
    # "cfjob batch 6"): the metadata as the system's librdkafka reads it
    exact = committed_metadata(brokers, group, topic, parts, timeout)
    for tp in sorted(got, key=lambda t: t.partition):
        if tp.error is not None:
            sys.exit("eos_kafka.py offsets: %s" % tp.error)
        lo, hi = c.get_watermark_offsets(TopicPartition(topic, tp.partition), timeout=20)
        md = tp.metadata or ""
        if exact is not None:
            md = exact.get(tp.partition, md)
        print(tp.partition, tp.offset, hi, md or "-")
    c.close()


def main():
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "create":
        create(a[1], a[2:])
    elif len(a) >= 3 and a[0] == "delete":
        delete(a[1], a[2:])
    elif len(a) == 2 and a[0] == "topics":
        try:
            print("\n".join(topic_names(admin(a[1]))))
        except BrokenPipeError:
            pass
    elif len(a) >= 4 and a[0] == "produce":
        produce(a[1], a[2], a[3:])
    elif len(a) in (4, 5) and a[0] == "read" and a[3] in ("committed", "uncommitted"):
        read(*a[1:])
    elif len(a) == 3 and a[0] == "ends":
        ends(a[1], a[2])
    elif len(a) == 5 and a[0] == "trim":
        trim(*a[1:])
    elif len(a) in (4, 5) and a[0] == "offsets":
        offsets(*a[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
