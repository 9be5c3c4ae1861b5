#!/usr/bin/env python3
"""job_spark.py: the rows Spark 4 writes for the seed's query on the job's batches.

  job_spark.py NDJSON PARTITIONS MAX_BATCH TMPDIR [PROGRESS]

The events (gen-events --format ndjson) are split into batches as cfjob(1)
plans them with --max-batch (see job_reference.py): batch k holds offsets
[k * MAX_BATCH, (k + 1) * MAX_BATCH) of every partition, record i being at
offset i // PARTITIONS of partition i % PARTITIONS. Each batch becomes one
JSON file of a Spark file source, written one at a time: processAllAvailable,
then a wait until the query is idle with the watermark the batch leads to in
force, so that Spark has run the no-data batch after the data batch (the
schedule wikimedia-job reproduces with winagg --micro-batch). The query is
the seed's aggregation (tests/bench/spark_job.py, from the decoded columns
on: no Kafka or spark-avro jar here): type == "edit", timestamp cast to a
timestamp, withWatermark 60 s, groupBy(window 60 s sliding 30 s, bot)
.agg(count("bot")), requested_by Bot/Human/null, the window cast to strings;
append mode, every batch's rows collected by foreachBatch. Spark never
writes the windows still open at the end (wikimedia-job --exit-at-end).

Prints the rows, one JSON object a line in job_reference.py's form, sorted;
a summary line on standard error. With PROGRESS, Spark's own
StreamingQueryProgress of every batch (data and no-data batches, in order)
goes there, one JSON object a line, as Spark writes it (progress.json), for
tests/interop/progress_diff.py to hold cfjob's --progress against.
"""
import json
import os
import sys
import threading
import time
from datetime import datetime, timezone


def batches_of(ndjson, parts, max_batch):
    events = [json.loads(line) for line in open(ndjson, encoding="utf-8")]
    out = {}
    for i, e in enumerate(events):
        k = 0 if max_batch == 0 else (i // parts) // max_batch
        out.setdefault(k, []).append({f: e.get(f) for f in ("type", "bot", "timestamp")})
    return [out[k] for k in sorted(out)]


def watermark_ms(q):
    p = q.lastProgress
    wm = p and p.get("eventTime", {}).get("watermark")
    if not wm:
        return None
    return int(datetime.strptime(wm, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
               .timestamp() * 1000)


def main():
    ndjson, parts, max_batch, tmp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    progress_out = sys.argv[5] if len(sys.argv) > 5 else None
    from pyspark.sql import SparkSession
    import pyspark.sql.functions as func
    from pyspark.sql.types import TimestampType

    spark = (SparkSession.builder.master("local[2]").appName("job-spark")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.adaptive.enabled", "false")
             .config("spark.sql.streaming.numRecentProgressUpdates", "100000")
             # no filter inside the JSON scan: numInputRows counts every
             # record, as Spark's Kafka source (no pushdown) does
             .config("spark.sql.json.filterPushdown.enabled", "false")
             .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
             .getOrCreate())
    spark.sparkContext.setLogLevel("OFF")
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    df = spark.readStream.schema("type string, bot boolean, timestamp long").json(src)
    # the seed's aggregation
    df = df.filter(func.col("type") == "edit") \
        .withColumn("timestamp", func.col("timestamp").cast(TimestampType())) \
        .select("bot", "timestamp")
    df = df.withWatermark("timestamp", "60 seconds") \
        .groupBy(func.window("timestamp", "60 seconds", "30 seconds"), "bot") \
        .agg(func.count("bot").alias("counts"))
    df = df.withColumn("requested_by", func.when(func.col("bot") == True, "Bot")  # noqa: E712
                       .when(func.col("bot") == False, "Human")  # noqa: E712
                       .otherwise(None)) \
        .select(func.col("window.start").cast("string").alias("start"),
                func.col("window.end").cast("string").alias("end"), "requested_by", "counts")
    rows, lock = [], threading.Lock()

    def each(batch, bid):
        got = [r.asDict() for r in batch.collect()]
        with lock:
            rows.extend(got)

    q = df.writeStream.outputMode("append").foreachBatch(each).queryName("job-spark") \
        .option("checkpointLocation", os.path.join(tmp, "checkpoint")).start()
    maxt = None
    t0 = time.time()
    try:
        for i, b in enumerate(batches_of(ndjson, parts, max_batch)):
            path = os.path.join(src, "%05d.json" % i)
            with open(path + ".tmp", "w") as f:
                f.write("".join(json.dumps(e) + "\n" for e in b))
            os.utime(path + ".tmp", (t0 - 10000 + i, t0 - 10000 + i))
            os.rename(path + ".tmp", path)
            for e in b:
                if e["type"] == "edit" and e["timestamp"] is not None:
                    maxt = e["timestamp"] if maxt is None else max(maxt, e["timestamp"])
            want = 0 if maxt is None else max(0, (maxt - 60) * 1000)
            q.processAllAvailable()
            deadline = time.time() + 60
            while True:
                if q.exception() is not None:
                    raise q.exception()
                st = q.status
                wm = watermark_ms(q)
                if not st["isTriggerActive"] and not st["isDataAvailable"] and wm is not None and wm >= want:
                    break
                if time.time() > deadline:
                    sys.exit("job_spark.py: batch %d: Spark's watermark stays at %s ms, want %d" % (i, wm, want))
                time.sleep(0.05)
        if progress_out:
            with open(progress_out, "w") as f:
                for p in q.recentProgress:	# (pyspark 4: objects with .json; 3: dicts)
                    f.write((p.json if hasattr(p, "json") else json.dumps(p)) + "\n")
    finally:
        q.stop()
    for r in sorted(rows, key=lambda r: (r["start"], r["end"], str(r["requested_by"]))):
        print(json.dumps(r, sort_keys=True))
    print("job_spark.py: %d batches, %d rows, %.1f s" % (i + 1, len(rows), time.time() - t0), file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main()
