"""The seed's windowed count in plain Python, the same per-record logic as
winagg (tests/bench/run, section winagg): NDJSON in, filter type == edit,
event time in seconds, 60s windows sliding by 30s, watermark 60s behind the
highest event time seen (advanced after every record), late (record, window)
pairs dropped, a window's rows written once the watermark reaches its end, in
order of (end, start, group), the rest flushed at the end of input.
"""
import json
import sys

SIZE, SLIDE, DELAY = 60_000_000, 30_000_000, 60_000_000


def spark_time(us):
    import time
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(us // 1_000_000))


def main():
    out = sys.stdout
    wins = {}  # (end, start) -> {group text: count}
    maxt = None
    late = 0
    dumps = json.dumps

    def close(mark):
        for k in sorted(k for k in wins if mark is None or k[0] <= mark):
            end, start = k
            g = wins.pop(k)
            for key in sorted(g):
                out.write('{"window":{"start":"%s","end":"%s"},"bot":%s,"counts":%d}\n'
                          % (spark_time(start), spark_time(end), key, g[key]))

    for line in sys.stdin:
        r = json.loads(line)
        if r.get("type") != "edit":
            continue
        t = r.get("timestamp")
        if t is None:
            continue
        t = t * 1_000_000
        key = dumps(r.get("bot"))
        mark = None if maxt is None else maxt - DELAY
        s = t - t % SLIDE
        while s > t - SIZE:
            if mark is not None and s + SIZE <= mark:
                late += 1
            else:
                g = wins.setdefault((s + SIZE, s), {})
                g[key] = g.get(key, 0) + 1
            s -= SLIDE
        if maxt is None or t > maxt:
            maxt = t
            if wins and min(wins)[0] <= maxt - DELAY:
                close(maxt - DELAY)
    close(None)
    print(f"winagg_ref: {late} late pairs", file=sys.stderr)


main()
