#!/usr/bin/env python3
"""job_reference.py: what wikimedia-job must write, computed without the toolkit.

  job_reference.py split FRAMES DIR PARTITIONS
      splits a record stream of Confluent frames (gen-events --format frames)
      by record number: record i goes to DIR/p{i % PARTITIONS}.rs, at offset
      i // PARTITIONS of that partition, in generated order
  job_reference.py slice RS FROM TO
      records [FROM, TO) of the record stream RS (a partition's file of
      split), as a record stream on stdout: what a growing topic gains
  job_reference.py rows NDJSON PARTITIONS MAX_BATCH META [AT_EOF [SCHEDULE]]
      the rows the job writes for the same events (gen-events --format
      ndjson, same options) split the same way, one JSON object a line,
      sorted; a summary (batches, edits, late pairs) as JSON in META.
      AT_EOF: flush (--flush-at-end, the default) or keep (--exit-at-end);
      SCHEDULE: micro-batch (the default) or back-to-back (--back-to-back)
  job_reference.py agree FRAMES NDJSON SCHEMA
      the number of events whose type, bot and timestamp differ between the
      frames (decoded with fastavro) and the NDJSON, or differ in number

The seed's query (docs/DESIGN.md §1): keep type == "edit", event time
= timestamp (Unix seconds), count per 60 s window sliding every 30 s and per
bot (true "Bot", false "Human", null stays null), watermark 60 s. The count
is Spark's count("bot"), the non-null values: a window's null group is a row
with counts 0.

Batches as cfjob(1) plans them with --exit-at-end: batch k reads offsets
[k * MAX_BATCH, (k + 1) * MAX_BATCH) of every partition (MAX_BATCH 0: the
whole topic in one batch); the last batch is the first that reaches the end
of every partition. Batch k runs with the watermark W(k): the highest event
time of the edits (the filter comes before withWatermark) of batches 0 to
k - 1, minus 60 s; W(0) is below every event. As in Spark 4:

  micro-batch (a no-data batch after each data batch): a (record, window)
      pair of batch k is late when the window's end <= W(k); the windows
      whose end <= W(k + 1) are written at the end of batch k;
  back-to-back (no no-data batch between data batches): late when the
      window's end <= W(k - 1); the windows whose end <= W(k) are written.

flush: the last batch writes every window still open; keep: they stay open
(Spark's trigger(availableNow=True)). A window written gets no later records
(they are late), so the rows are the counts that were not dropped, of the
windows written.
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


def slice_rs(path, lo, hi):
    data = open(path, "rb").read()
    pos = i = 0
    out = sys.stdout.buffer
    while pos < len(data):
        (n,) = struct.unpack(">i", data[pos:pos + 4])
        if lo <= i < hi:
            out.write(data[pos:pos + 4 + n])
        pos += 4 + n
        i += 1


def spark_time(s):
    return datetime.fromtimestamp(s, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def windows(t):
    """Starts of the windows [start, start + SIZE) that hold t."""
    s = t - t % SLIDE
    while s > t - SIZE:
        yield s
        s -= SLIDE


def rows(ndjson, parts, max_batch, meta_path, at_eof="flush", schedule="micro-batch"):
    events = [json.loads(line) for line in open(ndjson, encoding="utf-8")]
    per_part = [(len(events) - p + parts - 1) // parts for p in range(parts)]
    longest = max(per_part) if per_part else 0
    nbatches = 1 if max_batch == 0 else max(1, -(-longest // max_batch))
    batches = [[] for _ in range(nbatches)]
    for i, e in enumerate(events):
        offset = i // parts
        batches[0 if max_batch == 0 else offset // max_batch].append(e)

    counts, late, edits, maxt = Counter(), 0, 0, None
    marks = [None]  # W(0), W(1), ...
    for batch in batches:
        mark = marks[-1] if schedule == "micro-batch" else marks[-2] if len(marks) > 1 else None
        for e in batch:
            if e.get("type") != "edit" or e.get("timestamp") is None:
                continue
            edits += 1
            t = e["timestamp"]
            for s in windows(t):
                if mark is not None and s + SIZE <= mark:
                    late += 1
                    continue
                # count("bot"): the null group's row is there, counting 0
                counts[(s, LABELS[e.get("bot")])] += 0 if e.get("bot") is None else 1
        for e in batch:
            if e.get("type") == "edit" and e.get("timestamp") is not None:
                maxt = e["timestamp"] if maxt is None else max(maxt, e["timestamp"])
        marks.append(None if maxt is None else maxt - DELAY)
    # keep: the windows written are those the last watermark applied finished
    last = marks[-1] if schedule == "micro-batch" else marks[-2]
    if at_eof == "keep":
        counts = Counter({k: n for k, n in counts.items()
                          if last is not None and k[0] + SIZE <= last})
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
    elif len(sys.argv) == 5 and sys.argv[1] == "slice":
        slice_rs(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) == 5 and sys.argv[1] == "agree":
        agree(sys.argv[2], sys.argv[3], sys.argv[4])
    elif 6 <= len(sys.argv) <= 8 and sys.argv[1] == "rows" and \
            sys.argv[6:7] in ([], ["flush"], ["keep"]) and \
            sys.argv[7:8] in ([], ["micro-batch"], ["back-to-back"]):
        rows(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), *sys.argv[5:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
