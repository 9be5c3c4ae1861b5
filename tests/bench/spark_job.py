"""The seed's job in PySpark, local mode, for the benchmark (tests/bench/job).

    spark_job.py prepare FRAMES N PARQUET_DIR
    spark_job.py run PARQUET_DIR OUT_DIR IN.avsc OUT.avsc OUT_ID [FILES_PER_BATCH]
    spark_job.py kafka BROKERS IN_TOPIC OUT_TOPIC CHECKPOINT IN.avsc OUT.avsc OUT_ID [MAX_OFFSETS]

prepare: the first N records of a record stream of Confluent frames (4-byte
big-endian length, then the frame) become a Parquet directory with one binary
column, "value", as Spark's Kafka source would give them (base64 text in
between, decoded by Spark, since nothing here has pyarrow). It holds CHUNKS
(4) files of consecutive records, written one after the other: the file
source takes them in that order, so event time rises from file to file as it
does along a topic.

run: the seed's code with a file source in place of Kafka (no
spark-sql-kafka jar of 4.3 is served; kafka below uses 4.2's): the 5-byte frame stripped with
substring, from_avro in PERMISSIVE mode, type = 'edit', timestamp cast to a
timestamp, withWatermark 60 s, groupBy(window 60 s sliding 30 s, bot).count,
requested_by Bot/Human, the window cast to strings, to_avro with the output
schema, the magic byte and schema id put in front by the seed's Python UDF
(int_to_binary_udf), and a Parquet file sink in append mode with a
checkpoint. The trigger is availableNow (all input, then stop) where the
seed has processingTime 1 s: one batch for all the input, or with
FILES_PER_BATCH a batch per that many files (maxFilesPerTrigger). Prints one
JSON line: the seconds from the interpreter's start to the session being
ready ("startup") and to the query having started ("started") and ended
("end"), the rows written, and the input rows and seconds
(triggerExecution) of the batches with input after the first ("steady_rows",
"steady_s"): Spark once warm, its code generated and compiled. Each batch's
durations go to standard error.

kafka: the seed's code end to end, as it runs (tests/bench/job-kafka): Spark's
Kafka source (spark-sql-kafka-0-10) reads IN_TOPIC from its earliest offsets
and Spark's Kafka sink writes the framed rows to OUT_TOPIC, with a checkpoint
in CHECKPOINT; the query is the one above. The trigger is availableNow (the
whole topic, then stop; with MAX_OFFSETS, maxOffsetsPerTrigger, a batch per
that many records across the partitions). The jars: SPARK_AVRO_JAR and
SPARK_KAFKA_JARS (comma-separated: spark-sql-kafka-0-10,
spark-token-provider-kafka-0-10, kafka-clients, commons-pool2). Prints the
JSON line of run, with "rows" the rows the sink wrote (numOutputRows summed).
"""
import base64
import json
import os
import struct
import sys
import time

T0 = time.time()
CHUNKS = 4


def prepare(frames, n, out):
    import pyspark.sql.functions as func

    spark = session()
    per = (n + CHUNKS - 1) // CHUNKS
    with open(frames, "rb") as f:
        for i in range(CHUNKS):
            b64 = f"{out}.b64.{i}"
            with open(b64, "w") as w:
                for _ in range(min(per, n - i * per)):
                    h = f.read(4)
                    if len(h) < 4:
                        break
                    (k,) = struct.unpack(">i", h)
                    w.write(base64.b64encode(f.read(k)).decode())
                    w.write("\n")
            spark.read.text(b64).select(func.unbase64("value").alias("value")) \
                .coalesce(1).write.mode("append" if i else "overwrite").parquet(out)
            os.unlink(b64)
            time.sleep(0.01)  # distinct modification times, in order


def session():
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master("local[2]").appName("wikimedia_consumer") \
        .config("spark.jars", ",".join(j for j in (os.environ["SPARK_AVRO_JAR"],
                                                   os.environ.get("SPARK_KAFKA_JARS")) if j)) \
        .config("spark.sql.shuffle.partitions", "2") \
        .config("spark.ui.enabled", "false") \
        .config("spark.ui.showConsoleProgress", "false") \
        .getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def run(src, out, in_avsc, out_avsc, out_id, files_per_batch):
    spark = session()
    t_session = time.time()
    reader = spark.readStream.schema("value binary")
    if files_per_batch:
        reader = reader.option("maxFilesPerTrigger", files_per_batch)
    df = query(reader.parquet(src), in_avsc, out_avsc, out_id)
    q = df.writeStream.format("parquet").outputMode("append") \
        .option("path", out).option("checkpointLocation", out + ".checkpoint") \
        .trigger(availableNow=True).start()
    t_start = time.time()
    q.awaitTermination()
    t_end = time.time()
    report(q, t_session, t_start, t_end, spark.read.parquet(out).count())


def kafka(brokers, in_topic, out_topic, checkpoint, in_avsc, out_avsc, out_id, max_offsets):
    spark = session()
    t_session = time.time()
    # the seed's reading, as it is
    reader = spark.readStream.format("kafka") \
        .option("kafka.bootstrap.servers", brokers) \
        .option("subscribe", in_topic) \
        .option("startingOffsets", "earliest")
    if max_offsets:
        reader = reader.option("maxOffsetsPerTrigger", max_offsets)
    df = query(reader.load(), in_avsc, out_avsc, out_id)
    # the seed's writing: the framed rows as the values, to Kafka
    q = df.writeStream.format("kafka") \
        .option("kafka.bootstrap.servers", brokers) \
        .option("topic", out_topic) \
        .option("checkpointLocation", checkpoint) \
        .outputMode("append") \
        .trigger(availableNow=True).start()
    t_start = time.time()
    q.awaitTermination()
    t_end = time.time()
    report(q, t_session, t_start, t_end,
           sum(pr["sink"].get("numOutputRows", 0) or 0 for pr in q.recentProgress))


def report(q, t_session, t_start, t_end, rows):
    steady_rows = steady_s = 0
    for pr in q.recentProgress:
        d = pr["durationMs"]
        print(pr["batchId"], pr["numInputRows"], json.dumps(d), file=sys.stderr)
        if pr["batchId"] > 0 and pr["numInputRows"] > 0:
            steady_rows += pr["numInputRows"]
            steady_s += d["triggerExecution"] / 1000
    print(json.dumps({"startup": t_session - T0, "started": t_start - T0, "end": t_end - T0,
                      "rows": rows, "batches": len(q.recentProgress),
                      "steady_rows": steady_rows, "steady_s": steady_s}))


def query(df, in_avsc, out_avsc, out_id):
    """The seed's query from the binary "value" column to the framed rows."""
    import pyspark.sql.functions as func
    from pyspark.sql.avro.functions import from_avro, to_avro
    from pyspark.sql.types import BinaryType, TimestampType

    in_schema = open(in_avsc).read()
    out_schema = open(out_avsc).read()

    # the seed's frame stripping
    df = df.withColumn("magicByte", func.expr("substring(value, 1, 1)"))
    df = df.withColumn("valueSchemaId", func.expr("substring(value, 2, 4)"))
    df = df.withColumn("fixedValue", func.expr("substring(value, 6, length(value) - 5)"))
    df = df.select("magicByte", "valueSchemaId", "fixedValue")

    # the seed's decoding
    df = df.select(from_avro(func.col("fixedValue"), in_schema, {"mode": "PERMISSIVE"})
                   .alias("wikimedia")).select("wikimedia.*")

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
        .select("window", "requested_by", "counts")

    # the seed's encoding and framing
    df = df.select(func.struct(func.col("window.start").cast("string").alias("start"),
                               func.col("window.end").cast("string").alias("end"))
                   .alias("window"), "requested_by", "counts")

    def int_to_binary(value, n):
        return int(value).to_bytes(int(n), byteorder="big")

    int_to_binary_udf = func.udf(int_to_binary, BinaryType())
    df = df.select(to_avro(func.struct("window", "requested_by", "counts"), out_schema)
                   .alias("value"))
    df = df.withColumn("value", func.concat(int_to_binary_udf(func.lit(0), func.lit(1)),
                                            int_to_binary_udf(func.lit(out_id), func.lit(4)),
                                            func.col("value")))
    return df


def main():
    a = sys.argv[1:]
    if len(a) == 4 and a[0] == "prepare":
        prepare(a[1], int(a[2]), a[3])
    elif len(a) in (6, 7) and a[0] == "run":
        run(a[1], a[2], a[3], a[4], int(a[5]), int(a[6]) if len(a) == 7 else 0)
    elif len(a) in (8, 9) and a[0] == "kafka":
        kafka(*a[1:7], int(a[7]), int(a[8]) if len(a) == 9 else 0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
