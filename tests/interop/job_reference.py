#!/usr/bin/env python3
"""job_reference.py: what wikimedia-job must write, computed without the toolkit.

  job_reference.py split FRAMES DIR PARTITIONS
      splits a record stream of Confluent frames (gen-events --format frames)
      by record number: record i goes to DIR/p{i % PARTITIONS}.rs, at offset
      i // PARTITIONS of that partition, in generated order
  job_reference.py rows NDJSON PARTITIONS MAX_BATCH META
      the rows the job writes for the same events (gen-events --format
      ndjson, same options) split the same way, one JSON object a line,
      sorted; a summary (batches, edits, late pairs) as JSON in META
  job_reference.py agree FRAMES NDJSON SCHEMA
      the number of events whose type, bot and timestamp differ between the
      frames (decoded with fastavro) and the NDJSON, or differ in number

The seed's query (DESIGN.md section 1): keep type == "edit", event time
= timestamp (Unix seconds), count per 60 s window sliding every 30 s and per
bot (true "Bot", false "Human", null stays null), watermark 60 s.

Batches as cfjob(1) plans them with --exit-at-end: batch k reads offsets
[k * MAX_BATCH, (k + 1) * MAX_BATCH) of every partition (MAX_BATCH 0: the
whole topic in one batch); the last batch is the first that reaches the end
of every partition, and it flushes every open window. Within a batch, as in
Spark: a (record, window) pair is late when the window's end <= the watermark
the batch started with; the watermark is the highest event time of the edits
(the filter comes before withWatermark) of all earlier batches minus 60 s,
and starts below every event. A window a batch closes gets no later records
(they are late), so the rows are simply the counts that were not dropped.
"""
import json
import struct
import sys
from collections import Counter
from datetime import datetime, timezone

SIZE, SLIDE, DELAY = 60, 30, 60
LABELS = {True: "Bot", False: "Human", None: None}


def split(frames, outdir, parts):
    data = open(frames, "rb").read()
    outs = [open("%s/p%d.rs" % (outdir, p), "wb") for p in range(parts)]
    i = n = 0
    while i < len(data):
        (length,) = struct.unpack(">i", data[i:i + 4])
        if length < 0 or i + 4 + length > len(data):
            sys.exit("job_reference.py: bad record %d at byte %d" % (n, i))
        outs[n % parts].write(data[i:i + 4 + length])
        i += 4 + length
        n += 1
    for f in outs:
        f.close()
    print(n)


def spark_time(s):
    return datetime.fromtimestamp(s, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def windows(t):
    """Starts of the windows [start, start + SIZE) that hold t."""
    s = t - t % SLIDE
    while s > t - SIZE:
        yield s
        s -= SLIDE


def rows(ndjson, parts, max_batch, meta_path):
    events = [json.loads(line) for line in open(ndjson, encoding="utf-8")]
    per_part = [(len(events) - p + parts - 1) // parts for p in range(parts)]
    longest = max(per_part) if per_part else 0
    nbatches = 1 if max_batch == 0 else max(1, -(-longest // max_batch))
    batches = [[] for _ in range(nbatches)]
    for i, e in enumerate(events):
        offset = i // parts
        batches[0 if max_batch == 0 else offset // max_batch].append(e)

    counts, late, edits, maxt = Counter(), 0, 0, None
    for batch in batches:
        mark = None if maxt is None else maxt - DELAY
        for e in batch:
            if e.get("type") != "edit" or e.get("timestamp") is None:
                continue
            edits += 1
            t = e["timestamp"]
            for s in windows(t):
                if mark is not None and s + SIZE <= mark:
                    late += 1
                    continue
                counts[(s, LABELS[e.get("bot")])] += 1
        for e in batch:
            if e.get("type") == "edit" and e.get("timestamp") is not None:
                maxt = e["timestamp"] if maxt is None else max(maxt, e["timestamp"])
    out = sorted(({"start": spark_time(s), "end": spark_time(s + SIZE), "requested_by": who,
                   "counts": n} for (s, who), n in counts.items()),
                 key=lambda r: (r["start"], r["end"], str(r["requested_by"])))
    for r in out:
        print(json.dumps(r, sort_keys=True))
    with open(meta_path, "w") as f:
        json.dump({"batches": nbatches, "edits": edits, "late_pairs": late, "rows": len(out),
                   "events": len(events)}, f)


def agree(frames, ndjson, schema_path):
    import io
    import fastavro

    schema = fastavro.parse_schema(json.load(open(schema_path)))
    data = open(frames, "rb").read()
    events = [json.loads(line) for line in open(ndjson, encoding="utf-8")]
    fields = ("type", "bot", "timestamp")
    i = n = bad = 0
    while i < len(data):
        (length,) = struct.unpack(">i", data[i:i + 4])
        v = fastavro.schemaless_reader(io.BytesIO(data[i + 9:i + 4 + length]), schema)
        if n >= len(events) or any(v[f] != events[n].get(f) for f in fields):
            bad += 1
        i += 4 + length
        n += 1
    print(bad + abs(len(events) - n))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "split":
        split(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 5 and sys.argv[1] == "agree":
        agree(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 6 and sys.argv[1] == "rows":
        rows(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
