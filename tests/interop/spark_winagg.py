"""Conformance of winagg with Spark Structured Streaming itself (pyspark,
local mode): the seed's windowed count, run by Spark on a JSON file source
and by winagg, on inputs where Spark's micro-batch split cannot change the
result.

Spark's query is the seed's: filter type = 'edit', timestamp (seconds) cast
to a timestamp, withWatermark 60 seconds, groupBy(window(timestamp, 60s,
30s), bot).count(), append mode, into a memory sink. Each input event is a
file of its own and the source reads one file per micro-batch
(maxFilesPerTrigger=1, files ordered by modification time).

Spark (3.4 and later, so 4.x here) has two watermarks in a batch: eviction
(append-mode output) uses the batch's watermark, max(event times of earlier
batches) - 60s, but the late-row filter uses the watermark of the batch
before (eventTimeWatermarkForLateEvents, for chained stateful operators). With
one event per batch, Spark would therefore accept pairs that winagg, whose
watermark moves after every record, drops. So every event file is followed by
a filler file whose one record the type filter drops: then the late-row
watermark of event i's batch is max(event times before i) - 60s, exactly the
watermark winagg has before event i, and eviction happens by the end. Spark's
rules (late when window.end <= watermark, emitted when window.end <=
watermark) are then winagg's, and the set of (window start, window end, bot,
count) rows must be the same.

The one difference, documented in man/winagg.1: at the end of its input
winagg flushes the windows still open (--at-eof flush, the default), while
Spark never writes them. So winagg runs here with --at-eof keep --state FILE,
which leaves the open windows in the state file and writes exactly the rows
Spark's append mode writes.

usage: spark_winagg.py WINAGG TMPDIR [SEED] -- prints TAP lines.
"""
import json
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timezone

SUITE = "spark-winagg"
winagg, tmp = sys.argv[1], sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
SEED_ARGS = ["--in", "ndjson", "--out", "ndjson", "--where", "type=edit", "--time", "timestamp",
             "--time-unit", "s", "--window", "60s", "--slide", "30s", "--watermark", "60s",
             "--group-by", "bot", "--count", "counts"]
FILLER = {"type": "filler", "bot": None, "timestamp": None}
BASE = 1679319180  # 2023-03-20 13:33:00 UTC, as in the seed's console output


def ev(t, bot, typ="edit"):
    return {"type": typ, "bot": bot, "timestamp": t}


def hand_events():
    b = BASE
    return [
        ev(b + 5, False), ev(b + 12, True), ev(b + 40, None),
        ev(b + 31, False),            # out of order, within the delay
        ev(b + 61, True, "log"),      # filtered out
        ev(b + 90, False),            # watermark 30s after it
        ev(b + 30, True),             # 60s behind: window [0,60) ends at 60 > wm 30: on time
        ev(b + 150, True),            # watermark b+90
        ev(b + 29, False),            # windows end b+30 (late) and b+60 (late): dropped
        ev(b + 60, None),             # t == end of [0,60); windows end b+90 (== wm: late), b+120
        ev(b + 95, False),            # in time
        ev(b + 240, True),            # wm b+180
        ev(b + 150, False),           # windows end b+180 (late, exactly) and b+210
        ev(b + 300, None), ev(b + 301, False),
    ]


def random_events(rnd, n=36):
    out, t = [], BASE + rnd.randrange(60)
    for _ in range(n):
        t += rnd.choice([0, 1, 7, 15, 29, 30, 31, 45])
        jitter = rnd.choice([0, 0, 0, -10, -35, -59, -60, -61, -90, -125])
        out.append(ev(t + jitter, rnd.choice([True, False, None]),
                      rnd.choice(["edit", "edit", "edit", "categorize"])))
    return out


def winagg_rows(events, name):
    state = os.path.join(tmp, name + ".state")
    if os.path.exists(state):
        os.unlink(state)
    p = subprocess.run([winagg] + SEED_ARGS + ["--at-eof", "keep", "--state", state],
                       input="".join(json.dumps(e) + "\n" for e in events),
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"winagg status {p.returncode}: {p.stderr}")
    rows = [json.loads(l) for l in p.stdout.splitlines()]
    return sorted((r["window"]["start"], r["window"]["end"], json.dumps(r["bot"]), r["counts"]) for r in rows)


def spark_rows(spark, events, name):
    from pyspark.sql import functions as F
    from pyspark.sql.types import BooleanType, LongType, StringType, StructField, StructType

    src = os.path.join(tmp, name + ".in")
    os.makedirs(src)
    # each event, then a filler batch whose one record the filter drops (see above)
    files = [x for e in events for x in (e, FILLER)]
    now = time.time() - len(files) - 10
    for i, e in enumerate(files):
        path = os.path.join(src, "%05d.json" % i)
        with open(path + ".tmp", "w") as f:
            f.write(json.dumps(e) + "\n")
        os.utime(path + ".tmp", (now + i, now + i))
        os.rename(path + ".tmp", path)
    schema = StructType([StructField("type", StringType()), StructField("bot", BooleanType()),
                         StructField("timestamp", LongType())])
    df = (spark.readStream.schema(schema).option("maxFilesPerTrigger", 1)
          .json(src + "/*.json"))
    counts = (df.filter(F.col("type") == "edit")
              .withColumn("timestamp", F.col("timestamp").cast("timestamp"))
              .withWatermark("timestamp", "60 seconds")
              .groupBy(F.window("timestamp", "60 seconds", "30 seconds"), "bot")
              .count().withColumnRenamed("count", "counts"))
    out = counts.select(F.col("window.start").cast("string").alias("start"),
                        F.col("window.end").cast("string").alias("end"), "bot", "counts")
    q = (out.writeStream.format("memory").queryName(name).outputMode("append")
         .option("checkpointLocation", os.path.join(tmp, name + ".ckpt")).start())
    try:
        q.processAllAvailable()
        # The last batch's watermark moves only in the no-data batch after it:
        # wait for the watermark of every event to be in force.
        edits = [e["timestamp"] for e in events if e["type"] == "edit"]
        want = datetime.fromtimestamp(max(edits) - 60, timezone.utc) if edits else None
        deadline = time.time() + 60
        while want is not None and time.time() < deadline:
            p = q.lastProgress
            wm = p and p.get("eventTime", {}).get("watermark")
            if wm and datetime.strptime(wm, "%Y-%m-%dT%H:%M:%S.%f%z") >= want and \
                    not q.status["isTriggerActive"]:
                break
            time.sleep(0.2)
        else:
            if want is not None:
                raise RuntimeError("Spark's watermark never reached %s" % want)
        q.processAllAvailable()
        rows = spark.sql("select * from %s" % name).collect()
    finally:
        q.stop()
    return sorted((r["start"], r["end"], json.dumps(r["bot"]), r["counts"]) for r in rows)


def compare(spark, name, events):
    try:
        want = spark_rows(spark, events, name)
        got = winagg_rows(events, name)
    except Exception as e:  # a failure, not a crash of the suite
        print(f"not ok - {SUITE}: {name}: {e}")
        return
    if want == got and want:
        print(f"ok - {SUITE}: {name} ({len(events)} events, {len(want)} rows)")
        return
    print(f"not ok - {SUITE}: {name}: rows differ" + (" (none at all)" if not want else ""))
    for r in sorted(set(want) - set(got)):
        print(f"#   only Spark:  {r}")
    for r in sorted(set(got) - set(want)):
        print(f"#   only winagg: {r}")
    print("#   events: " + " ".join(json.dumps(e, separators=(",", ":")) for e in events))


def main():
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[1]").appName("winagg-conformance")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", "1")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.streaming.minBatchesToRetain", "2")
             .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    compare(spark, "hand", hand_events())
    rnd = random.Random(seed)
    for i in range(2):
        compare(spark, f"random{i}_seed{seed}", random_events(rnd))
    spark.stop()


main()
