"""bench/RESULTS.md and the plots from bench/run's records (bench/results/results.json).

Every figure is the median over the runs of a case, with min and max; ratios compare medians
measured in the same run of bench/run.
"""
import statistics
from collections import defaultdict
from pathlib import Path

SECTIONS = ["upload", "ceiling", "sweep", "e2e", "readers", "formats", "memory", "stages"]
GiB = 1 << 30
MiB = 1 << 20


def stats(values):
    values = sorted(values)
    return statistics.median(values), values[0], values[-1]


def fmt(values, digits=1):
    if not values:
        return "–"
    med, lo, hi = stats(values)
    if len(values) == 1:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def median(values):
    return statistics.median(values) if values else None


def mbps(r):
    return r["bytes"] / r["wall"] / 1e6


def cpu_per_gib(r, size_key="bytes"):
    return r["cpu"] / (r[size_key] / GiB)


def size_label(n):
    if n % MiB == 0:
        return f"{n // MiB} MiB"
    return f"{n / 1e6:.0f} MB"


def group(records, section, *keys):
    out = defaultdict(list)
    for r in records:
        if r["section"] == section:
            out[tuple(r[k] for k in keys)].append(r)
    return out


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "–"


TOOL_NAMES = {"s3unload": "s3unload upload", "aws": "aws s3 cp (cli v2)",
              "boto3": "boto3 transfer manager", "rclone": "rclone", "s3cmd": "s3cmd put",
              "awscrt": "aws-c-s3 (awscrt)", "aws-crt": "aws s3 cp (cli v2, CRT)"}
PEERS = ["awscrt", "aws-crt", "aws", "boto3", "rclone", "s3cmd"]
CRT_PEERS = ["awscrt", "aws-crt"]


def upload_tables(records, lines):
    cases = group(records, "upload", "server", "source", "variant", "tool")
    servers = sorted({k[0] for k in cases}, key=lambda s: s != "rgw")
    if not servers:
        return
    size = next(r["bytes"] for r in records if r["section"] == "upload")
    lines.append(f"## Upload: {size_label(size)} of random bytes\n")
    lines.append("Wall time, throughput (MB/s = 10⁶ bytes/s), client CPU (user + sys) per GiB "
                 "and peak RSS of the client; server CPU per GiB is radosgw + OSD + mon (or "
                 "Swift's proxy, object, container, account servers and memcached) during the "
                 "upload. `× s3unload` is s3unload's median throughput divided by the tool's "
                 "in the same case (above 1: s3unload is faster). Settings: part size × "
                 "concurrency (aws-c-s3: `auto`, it sizes its connection pool from its "
                 "throughput target, 5 Gb/s by default; tuned: the part size only). The "
                 "aws-c-s3 peers upload from the file to radosgw only: Debian's awscrt 0.16 "
                 "needs the length of what it uploads and connects to port 80, where radosgw "
                 "gets a second endpoint; the aws cli with the CRT client falls back to its "
                 "own for standard input.\n")
    for server in servers:
        name = "radosgw (Ceph, single node, in-memory OSD)" if server == "rgw" else \
            "Swift s3api (single node, disk)"
        lines.append(f"### {name}\n")
        lines.append("| source | variant | client | settings | wall s | MB/s | CPU s/GiB | "
                     "peak RSS MiB | server CPU s/GiB | × s3unload | read back |")
        lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for source in ("file", "stdin"):
            for variant in ("default", "tuned"):
                ours = cases.get((server, source, variant, "s3unload"), [])
                ours_mbps = median([mbps(r) for r in ours])
                for tool in ["s3unload"] + PEERS:
                    rs = cases.get((server, source, variant, tool))
                    if not rs:
                        continue
                    r0 = rs[0]
                    settings = f"{size_label(r0['part'])} × {r0['concurrency']}"
                    verified = "sha256" if any(r["verified"] == "sha256" for r in rs) else "size"
                    lines.append(
                        f"| {source} | {variant} | {TOOL_NAMES[tool]} | {settings} | "
                        f"{fmt([r['wall'] for r in rs], 2)} | {fmt([mbps(r) for r in rs])} | "
                        f"{fmt([cpu_per_gib(r) for r in rs], 2)} | "
                        f"{fmt([r['rss_kib'] / 1024 for r in rs], 0)} | "
                        f"{fmt([r['server_cpu'] / (r['bytes'] / GiB) for r in rs], 2)} | "
                        f"{'–' if tool == 's3unload' else ratio(ours_mbps, median([mbps(r) for r in rs]))} | "
                        f"{verified} |")
        lines.append("")
    lines.append("### Ratios: s3unload against each peer (median throughput ratio; in "
                 "brackets the peer's CPU per GiB divided by s3unload's)\n")
    lines.append("| server | source | variant | " + " | ".join(TOOL_NAMES[p] for p in PEERS) + " |")
    lines.append("| --- | --- | --- | " + " | ".join("---" for _ in PEERS) + " |")
    for server in servers:
        for source in ("file", "stdin"):
            for variant in ("default", "tuned"):
                ours = cases.get((server, source, variant, "s3unload"))
                if not ours:
                    continue
                cells = []
                for p in PEERS:
                    rs = cases.get((server, source, variant, p))
                    if not rs:
                        cells.append("–")
                        continue
                    cells.append(
                        f"{ratio(median([mbps(r) for r in ours]), median([mbps(r) for r in rs]))}"
                        f" ({ratio(median([cpu_per_gib(r) for r in rs]), median([cpu_per_gib(r) for r in ours]))})")
                lines.append(f"| {server} | {source} | {variant} | " + " | ".join(cells) + " |")
    lines.append("")
    crt_table(cases, lines)


def crt_table(cases, lines):
    """s3unload against aws-c-s3 in the three figures of the issue's targets."""
    rows = [(k, rs) for k, rs in sorted(cases.items()) if k[3] in CRT_PEERS]
    if not rows:
        return
    lines.append("### s3unload against aws-c-s3\n")
    lines.append("Each ratio is s3unload's median divided by the peer's, in the same case: "
                 "throughput (above 1: s3unload faster), client CPU per GiB and peak RSS "
                 "(below 1: s3unload uses less). Targets of issue 17 at default settings: "
                 "throughput ≥ 1.2×, CPU ≤ 1×, RSS ≤ 0.25×.\n")
    lines.append("| server | source | variant | peer | throughput × | CPU s/GiB × | "
                 "peak RSS × |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    for (server, source, variant, tool), rs in rows:
        ours = cases.get((server, source, variant, "s3unload"))
        if not ours:
            continue

        def med(records, f):
            return median([f(r) for r in records])

        lines.append(
            f"| {server} | {source} | {variant} | {TOOL_NAMES[tool]} | "
            f"{ratio(med(ours, mbps), med(rs, mbps))} | "
            f"{ratio(med(ours, cpu_per_gib), med(rs, cpu_per_gib))} | "
            f"{ratio(med(ours, lambda r: r['rss_kib']), med(rs, lambda r: r['rss_kib']))} |")
    lines.append("")


def ceiling_table(records, lines):
    cases = group(records, "ceiling", "clients")
    if not cases:
        return
    lines.append("## Server ceiling (radosgw)\n")
    lines.append("On 2 cores the server and the client compete. To see what the server alone "
                 "sustains, K clients upload at once (each `s3unload upload --unsigned-payload "
                 "--checksum none`, the cheapest client there is, K objects of size/K) and the "
                 "aggregate rate is measured; the server's own CPU seconds per GiB (from /proc, "
                 "all of its processes) give the ceiling it would reach with the cores to "
                 "itself: nproc ÷ (server CPU s/GiB) GiB/s.\n")
    lines.append("| clients | aggregate MB/s | server CPU s/GiB | clients CPU s/GiB | "
                 "ceiling if the server had every core, MB/s |")
    lines.append("| --- | --- | --- | --- | --- |")
    for (clients,), rs in sorted(cases.items()):
        server_per_gib = [r["server_cpu"] / (r["bytes"] / GiB) for r in rs]
        ceiling = [2 * GiB / 1e6 / s for s in server_per_gib if s > 0]
        lines.append(f"| {clients} | {fmt([mbps(r) for r in rs])} | {fmt(server_per_gib, 2)} | "
                     f"{fmt([cpu_per_gib(r) for r in rs], 2)} | {fmt(ceiling, 0)} |")
    lines.append("")


def e2e_table(records, lines, title, section, key):
    cases = defaultdict(list)  # by tool, or by day and output (older records: gzip CSV)
    for r in records:
        if r["section"] == section:
            cases[(r[key],) if key == "tool" else
                  (r[key], r.get("format", "csv-gzip"), r.get("readers", 0))].append(r)
    if not cases:
        return
    lines.append(title)
    lines.append(f"| {'approach' if key == 'tool' else 'day'} | rows | CSV MB | stored MB | "
                 "wall s | rows/s | MB/s of CSV | client CPU s/GiB CSV | peak RSS MiB | "
                 "× s3unload |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    ours = median([r["raw_bytes"] / r["wall"] for r in cases.get(("s3unload run",), [])])
    for (name, *output), rs in cases.items():
        rate = median([r["raw_bytes"] / r["wall"] for r in rs])
        if output:
            used = sorted({r["used"] for r in rs if r.get("used")})
            readers = {0: f", automatic readers: {'/'.join(map(str, used))} at most" if used
                       else "", 1: ", 1 reader"}.get(output[1], f", {output[1]} readers")
            name = f"{name} ({FORMAT_NAMES.get(output[0], output[0])}{readers})"
        lines.append(
            f"| {name.replace('|', '&#124;')} | {rs[0]['rows']:,} | {rs[0]['raw_bytes'] / 1e6:.0f} | "
            f"{median([r['stored_bytes'] for r in rs]) / 1e6:.0f} | {fmt([r['wall'] for r in rs], 2)} | "
            f"{fmt([r['rows'] / r['wall'] for r in rs], 0)} | "
            f"{fmt([r['raw_bytes'] / r['wall'] / 1e6 for r in rs])} | "
            f"{fmt([cpu_per_gib(r, 'raw_bytes') for r in rs], 2)} | "
            f"{fmt([r['rss_kib'] / 1024 for r in rs], 1)} | "
            f"{'–' if name == 's3unload run' or key != 'tool' else ratio(ours, rate)} |")
    lines.append("")
    one = median([r["raw_bytes"] / r["wall"] for r in cases.get(("s3unload run, 1 reader",), [])])
    if key == "tool" and one:
        others = [(n, median([r["raw_bytes"] / r["wall"] for r in rs]))
                  for (n,), rs in cases.items() if not n.startswith("s3unload")]
        lines.append("With one reader, s3unload against each: " + "; ".join(
            f"{n.replace('|', '&#124;')} {ratio(one, rate)}" for n, rate in others) + ".")
        lines.append("")


def readers_table(records, lines):
    cases = group(records, "readers", "readers")
    if not cases:
        return
    first = next(iter(cases.values()))[0]
    lines.append("## Parallel readers against the emulator's `cloud` latency\n")
    lines.append(f"One synthetic day ({first['rows']:,} rows, the end-to-end section's columns) "
                 "from the Domo emulator at its `cloud` latency preset (docs/emulator.md: "
                 "300 ms to a query page's first byte, 20 MB/s a connection, 16 queries at once "
                 "a token, 429 past them) to radosgw, by `s3unload run` with `readers` = N "
                 "(automatic: `readers = 0`, the default), the counts interleaved within each "
                 "repetition. Each run's own count of rows written is checked against the day's "
                 "(the e2e section and the tests read every object back). Targets of issue 17: "
                 "8 readers ≥ 6× one reader's rows/s; the automatic setting within 10 % of the "
                 "best N.\n")
    lines.append("| readers | objects | wall s | rows/s | × one reader | client CPU s | "
                 "peak RSS MiB |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    rate = {n: median([r["rows"] / r["wall"] for r in rs]) for (n,), rs in cases.items()}
    one = rate.get(1)
    for (n,), rs in sorted(cases.items(), key=lambda c: (c[0][0] == 0, c[0][0])):
        used = sorted({r["used"] for r in rs if r.get("used")})
        name = f"automatic ({'/'.join(map(str, used)) or '?'} at most)" if n == 0 else str(n)
        lines.append(f"| {name} | {rs[0].get('objects', '–')} | "
                     f"{fmt([r['wall'] for r in rs], 2)} | "
                     f"{fmt([r['rows'] / r['wall'] for r in rs], 0)} | {ratio(rate[n], one)} | "
                     f"{fmt([r['cpu'] for r in rs], 2)} | "
                     f"{fmt([r['rss_kib'] / 1024 for r in rs], 1)} |")
    lines.append("")
    explicit = {n: v for n, v in rate.items() if n != 0 and v}
    if explicit and rate.get(0):
        best = max(explicit, key=explicit.get)
        lines.append(f"The automatic setting against the best N measured ({best} readers): "
                     f"{rate[0] / explicit[best]:.2f}× its rows/s." +
                     (f" 8 readers against one: {ratio(rate[8], one)}." if 8 in rate else ""))
        lines.append("")


FORMAT_NAMES = {"csv-gzip": "CSV + gzip", "csv-zstd": "CSV + zstd", "parquet": "Parquet"}


def formats_table(records, lines):
    cases = group(records, "formats", "tool")
    if not cases:
        return
    rows = next(iter(cases.values()))[0]["rows"]
    lines.append("## Output formats: one synthetic day by `s3unload run` as gzip CSV, zstd CSV "
                 "and Parquet\n")
    lines.append(f"The same day ({rows:,} rows, the end-to-end section's columns: id, datetime, "
                 "text, choice, decimal, integer) from the Domo emulator to radosgw, unloaded "
                 "by `s3unload run` (direct engine, default settings) in each output, the "
                 "outputs one after the other within each repetition. CSV + gzip: ISA-L level "
                 "1 (the default); CSV + zstd: level 3; Parquet: zstd pages (its default), "
                 "64 MiB row groups. Source: the day as CSV (the CSV runs' bytes before "
                 "compression), the denominator of every rate and of client CPU per GiB "
                 "(s3unload's process, not the emulator or the server). Stored: the sum of "
                 "the sizes of the run's objects in the bucket. Read back with the aws cli: "
                 "CSV decompressed and its rows counted, Parquet's rows counted by DuckDB. "
                 "× gzip CSV: the median divided by gzip CSV's (below 1: smaller, faster, "
                 "cheaper than gzip CSV).\n")
    lines.append("| output | objects | source CSV MB | stored MB | stored / source | wall s | "
                 "MB/s of CSV | client CPU s/GiB CSV | peak RSS MiB | stored × gzip CSV | "
                 "wall × gzip CSV | CPU × gzip CSV |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    base = cases.get(("csv-gzip",), [])

    def med(rs, f):
        return median([f(r) for r in rs])

    for (name,), rs in cases.items():
        cells = [ratio(med(rs, lambda r: r["stored_bytes"]), med(base, lambda r: r["stored_bytes"])),
                 ratio(med(rs, lambda r: r["wall"]), med(base, lambda r: r["wall"])),
                 ratio(med(rs, lambda r: cpu_per_gib(r, "raw_bytes")),
                       med(base, lambda r: cpu_per_gib(r, "raw_bytes")))]
        if name == "csv-gzip":
            cells = ["–"] * 3
        lines.append(
            f"| {FORMAT_NAMES.get(name, name)} | {rs[0]['objects']} | "
            f"{rs[0]['raw_bytes'] / 1e6:.0f} | {fmt([r['stored_bytes'] / 1e6 for r in rs])} | "
            f"{med(rs, lambda r: r['stored_bytes'] / r['raw_bytes']) * 100:.1f} % | "
            f"{fmt([r['wall'] for r in rs], 2)} | "
            f"{fmt([r['raw_bytes'] / r['wall'] / 1e6 for r in rs])} | "
            f"{fmt([cpu_per_gib(r, 'raw_bytes') for r in rs], 2)} | "
            f"{fmt([r['rss_kib'] / 1024 for r in rs], 1)} | " + " | ".join(cells) + " |")
    lines.append("")


def stages_table(records, lines):
    by = defaultdict(list)
    for r in records:
        if r["section"] == "stages":
            by[r["name"]].append(r)
    if not by:
        return
    lines.append("## Stages (Google Benchmark, one thread)\n")
    lines.append("Each stage's rate in MB/s of its input (8 MiB: one default part, or 8 MiB of "
                 "CSV; per CPU second), and the CPU seconds it takes per GiB of that input, "
                 "next to `memcpy` of the same buffer, the machine's physical reference; median "
                 "of the repetitions (min–max). Items: rows, or requests for signing. "
                 "`BM_EncodeCsvGzip`, `BM_EncodeCsvZstd` and `BM_EncodeParquet*` are an "
                 "unload's whole output (rows to stored bytes), their input the source CSV of "
                 "the same rows; ratio: input bytes / stored bytes.\n")
    lines.append("| stage | MB/s | CPU s/GiB | items/s | ratio | share of memcpy |")
    lines.append("| --- | --- | --- | --- | --- | --- |")
    ref = median([r["bytes_per_second"] for r in by.get("BM_Memcpy", [])]) or 0
    for name, rs in by.items():
        rate = [r["bytes_per_second"] / 1e6 for r in rs]
        per_gib = [GiB / r["bytes_per_second"] for r in rs if r["bytes_per_second"]]
        items = [r["items_per_second"] for r in rs]
        ratios = [r["ratio"] for r in rs if r.get("ratio")]
        share = f"{median(rate) * 1e6 / ref * 100:.1f} %" if ref and median(rate) else "–"
        lines.append(f"| `{name}` | {fmt(rate, 0) if median(rate) else '–'} | "
                     f"{fmt(per_gib, 2) if per_gib else '–'} | "
                     f"{fmt(items, 0) if median(items) else '–'} | "
                     f"{fmt(ratios, 2) if ratios else '–'} | {share} |")
    lines.append("")


def plot(records, results_dir):
    """results/sweep.png: throughput against part size, one line per concurrency."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    cases = group(records, "sweep", "tool", "concurrency", "part")
    if not cases:
        return None
    tools = sorted({k[0] for k in cases}, key=lambda t: t != "s3unload")
    fig, axes = plt.subplots(1, len(tools), figsize=(6 * len(tools), 4.2), sharey=True)
    axes = axes if len(tools) > 1 else [axes]
    for ax, tool in zip(axes, tools):
        for conc in sorted({k[1] for k in cases if k[0] == tool}):
            points = sorted((k[2], [mbps(r) for r in rs]) for k, rs in cases.items()
                            if k[0] == tool and k[1] == conc)
            xs = [p / MiB for p, _ in points]
            meds = [statistics.median(v) for _, v in points]
            lo = [m - min(v) for m, (_, v) in zip(meds, points)]
            hi = [max(v) - m for m, (_, v) in zip(meds, points)]
            ax.errorbar(xs, meds, yerr=[lo, hi], marker="o", capsize=3,
                        label=f"concurrency {conc}")
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs)
        ax.set_xticklabels([f"{x:g}" for x in xs])
        ax.set_xlabel("part size (MiB)")
        ax.set_title(TOOL_NAMES[tool])
        ax.grid(alpha=0.3)
        ax.legend()
    axes[0].set_ylabel("MB/s (median, min–max)")
    size = next(r["bytes"] for r in records if r["section"] == "sweep")
    fig.suptitle(f"Upload of {size_label(size)} from a file to radosgw")
    fig.tight_layout()
    path = Path(results_dir) / "sweep.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write(data, out_path, results_dir):
    meta, records = data["meta"], data["records"]
    lines = ["# Benchmark results", "",
             f"Written by `{meta['command']}` on {meta['date']} ({meta['minutes']} min). "
             "Do not edit: run `bench/run` (flags at the top of that file) to regenerate. "
             "Raw records: `bench/results/results.json`.", ""]
    invocations = meta.get("earlier", []) + [meta]
    if len(invocations) > 1:
        lines += ["The records come from several invocations (`--update` replaces the "
                  "sections it measures):", ""]
        later = set()
        shown = []
        for e in reversed(invocations):  # what each invocation still contributes
            own = [x for x in e.get("sections", SECTIONS) if x not in later]
            later.update(e.get("sections", SECTIONS))
            shown.append(f"- `{e['command']}` on {e['date']} ({e['minutes']} min, load "
                         f"average {' '.join(f'{x:.2f}' for x in e['load_before'])} before): "
                         f"{', '.join(own) or 'nothing left'}")
        lines += list(reversed(shown)) + [""]
    lines += ["## Machine", "",
              "| nproc | CPU | RAM | kernel | load average before | after |",
              "| --- | --- | --- | --- | --- | --- |",
              f"| {meta['nproc']} | {meta['cpu']} | {meta['ram_gib']} GiB | {meta['kernel']} | "
              f"{' '.join(f'{x:.2f}' for x in meta['load_before'])} | "
              f"{' '.join(f'{x:.2f}' for x in meta['load_after'])} |", "",
              "The machine has 2 cores shared with other engineers' builds while this ran: "
              "absolute numbers are noisy (the load averages above show how busy it was); "
              "ratios between tools measured in the same run are what count. Client, "
              "servers and emulator all share the same 2 cores.", ""]
    lines += ["## Versions", "", "| tool | version |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in meta["versions"].items()]
    lines.append("")
    for e in invocations:
        lines += [f"Settings of `{e['command']}`: " +
                  ", ".join(f"{k} = `{v}`" for k, v in e["settings"].items()), ""]
    if meta.get("failures"):
        lines += ["## Failures", ""] + [f"- {f}" for f in meta["failures"]] + [""]
    if meta.get("skipped"):
        lines += ["## Not measured", ""] + [f"- {f}" for f in meta["skipped"]] + [""]
    upload_run = next((e for e in reversed(invocations)
                       if "upload" in e.get("sections", ["upload"])), meta)
    flags = upload_run["settings"].get("s3unload_flags")
    if flags and any(r["section"] == "upload" for r in records):
        lines += [f"Every `s3unload upload` of this run had `{flags}` added (its \"default\" rows "
                  "are the defaults plus these flags).", ""]
    upload_tables(records, lines)
    ceiling_table(records, lines)
    png = plot(records, results_dir)
    if png:
        lines += ["## Throughput against part size and concurrency", "",
                  f"![sweep]({Path('results') / png.name})", "",
                  "Median of the sweep runs per point, error bars min–max; file source, "
                  "radosgw, default checksum settings of each tool.", ""]
    e2e_table(records, lines,
              "## End to end: one synthetic day from the Domo emulator to radosgw\n\n"
              "The dataset holds exactly one day (yesterday, UTC) so the naive export pipe "
              "moves the same rows as the day filters of `s3unload run --day 1` and the boto3 "
              "script, and all three read the same generated rows from the same emulator. "
              "`s3unload run`: direct engine (key-ordered query pages), gzip (ISA-L level 1), "
              "at its defaults (automatic readers of one object: up to 16, starting with 4 "
              "and widening while Domo's latency holds the writer up and the CPU has room); "
              "`s3unload run, 1 reader`: the same with `readers = 1`; "
              "the pipe: `curl export | gzip (level 6) | aws s3 cp -`; the boto3 script "
              "(bench/peers/boto3_day.py): streams the export, filters the day with the csv "
              "module, gzip level 6, `upload_fileobj`. Every object is read back with the aws "
              "cli, decompressed and its rows counted. Client CPU excludes the emulator.\n",
              "e2e", "tool")
    readers_table(records, lines)
    formats_table(records, lines)
    e2e_table(records, lines,
              "## Memory: peak RSS of `s3unload run` by size of the day\n\n"
              "Same job, same settings (defaults: automatic readers of one object, up to 16 "
              "for a day of 64 pages or more, starting with 4 and widening only while the "
              "writer waits for pages and the CPU has room (docs/unload.md), or the readers "
              "the day says (`--memory-readers`); 20,000-row pages, 8 MiB parts × 4; gzip "
              "CSV unless the day names another output; Parquet: 64 MiB row groups, zstd "
              "pages), synthetic days of different sizes. CSV MB: the day as CSV (for "
              "Parquet, the size of the emulator's CSV export of the day).\n",
              "memory", "day")
    stages_table(records, lines)
    Path(out_path).write_text("\n".join(lines) + "\n")


def summary(records, log):
    """A short table for --smoke."""
    for r in records:
        if r["section"] in ("upload", "sweep", "ceiling"):
            log(f"{r['section']:8} {r.get('tool', ''):9} {r.get('variant', ''):8} "
                f"{r.get('source', ''):6} {mbps(r):8.1f} MB/s {cpu_per_gib(r):6.2f} CPU s/GiB "
                f"{r['rss_kib'] / 1024:6.0f} MiB")
        elif r["section"] in ("e2e", "readers", "formats", "memory"):
            name = r["tool"] + (f" ({r['format']})" if "format" in r else "") + (
                f" readers={r['readers']}" if "readers" in r else "")
            log(f"{r['section']:8} {name:28} {r['rows']:>9} rows {r['wall']:6.2f} s "
                f"{r['rss_kib'] / 1024:6.0f} MiB")
        elif r["section"] == "stages":
            log(f"stages   {r['name']:40} {r['bytes_per_second'] / 1e6:10.0f} MB/s "
                f"{r['items_per_second']:12.0f} items/s")
