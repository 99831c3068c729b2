"""Turns one benchmark run's raw figures (RUN-DIR) into OUT-DIR/results.json (every figure)
and OUT-DIR/results.md (the table against the targets), and prints the table.
    python3 bench/report.py RUN-DIR OUT-DIR RUN-SECONDS"""
import json
import os
import platform
import statistics
import subprocess
import sys

run, out, run_seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])


def load(name):
    with open(f"{run}/{name}") as file:
        return json.loads(file.read().strip().splitlines()[-1])


def direct(name):
    """The summary line of bench/direct-libvips: renders, seconds, renders/s, CPU seconds."""
    with open(f"{run}/{name}") as file:
        renders, seconds, rate, cpu = file.read().strip().splitlines()[-1].split()
    return {"renders": int(renders), "seconds": float(seconds), "rendersPerSecond": float(rate), "cpuSeconds": float(cpu)}


def direct_around(name):
    """The baseline of a miss round: the mean of the libvips runs just before and just after
    the server's, both kept in the report."""
    before, after = direct(f"{name}-direct-before.txt"), direct(f"{name}-direct-after.txt")
    mean = {key: (before[key] + after[key]) / 2 for key in ("renders", "seconds", "rendersPerSecond", "cpuSeconds")}
    return {**mean, "runs": [before, after]}


def command_output(command):
    try:
        return subprocess.run(command, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


machine = {
    "cpu": command_output("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip(),
    "cores": int(command_output("nproc") or 0),
    "memoryGiB": round(int(command_output("awk '/MemTotal/ {print $2}' /proc/meminfo") or 0) / 1024 / 1024, 1),
    "os": command_output(". /etc/os-release && echo $PRETTY_NAME"),
    "kernel": platform.release(),
    "libvips": command_output("pkg-config --modversion vips"),
    "nginx": command_output("nginx -v 2>&1 | cut -d/ -f2"),
    "thumbor": command_output(f"{out}/thumbor/bin/thumbor --version | cut -d' ' -f2"),
    "wrk": command_output("wrk -v 2>&1 | head -1 | cut -d' ' -f2"),
}

def head_bytes(name):
    """The size of a response head as sent (status line and header lines)."""
    with open(f"{run}/{name}", "rb") as file:
        return len(file.read())


def median_of(runs, key):
    return statistics.median(entry[key] for entry in runs)


# Each hit figure is the median of 5 runs, alternating between the two servers.
hits = {}
for scenario in ("mixed", "small", "defaults"):
    figures = {}
    for server in ("avatars", "nginx"):
        runs = [load(f"hit-{scenario}-{server}-{round}.json") for round in range(1, 6)]
        figures[server] = {
            "runs": runs,
            "requestsPerSecond": median_of(runs, "requestsPerSecond"),
            "p50Ms": median_of(runs, "p50Ms"),
            "p99Ms": median_of(runs, "p99Ms"),
            "cpuMicrosPerRequest": median_of(runs, "cpuMicrosPerRequest"),
            "errors": sum(entry["errors"] + entry["non2xx"] for entry in runs),
        }
    figures["requestsRatio"] = round(figures["avatars"]["requestsPerSecond"] / figures["nginx"]["requestsPerSecond"], 3)
    figures["p99Ratio"] = round(figures["avatars"]["p99Ms"] / figures["nginx"]["p99Ms"], 3)
    figures["cpuRatio"] = round(
        figures["avatars"]["cpuMicrosPerRequest"] / figures["nginx"]["cpuMicrosPerRequest"], 3)
    hits[scenario] = figures
head_sizes = {"avatars": head_bytes("head-avatars.txt"), "nginx": head_bytes("head-nginx.txt")}

miss = {}
for connections in ("2", "8"):
    rounds = []
    round_number = 1
    while os.path.exists(f"{run}/miss{connections}-{round_number}-counted.json"):
        name = f"miss{connections}-{round_number}"
        round_number += 1
        counted = load(f"{name}-counted.json")
        entry = {
            "avatars": load(f"{name}-avatars.json"), "rendersCounted": counted["renders"],
            "cpuSeconds": counted["cpuSeconds"], "direct": direct_around(name),
        }
        entry["directRatio"] = round(entry["avatars"]["rendersPerSecond"] / entry["direct"]["rendersPerSecond"], 3)
        rounds.append(entry)
    # The round whose ratio is the median: its own figures, so they stay consistent.
    figures = dict(sorted(rounds, key=lambda entry: entry["directRatio"])[len(rounds) // 2])
    figures["rounds"] = rounds
    figures["originals"] = len(open(f"{run}/photos").read().splitlines())
    figures["thumbor"] = load(f"miss{connections}-thumbor.json")
    figures["failures"] = sum(entry["avatars"]["failures"] for entry in rounds)
    figures["sizesPerOriginal"] = figures["avatars"]["requests"] // figures["originals"]
    figures["thumborRatio"] = round(figures["avatars"]["rendersPerSecond"] / figures["thumbor"]["rendersPerSecond"], 3)
    miss[connections] = figures

firsts = [json.loads(line) for line in open(f"{run}/first.jsonl")]
direct_times = {}
# One line per job, then the summary line.
for line in open(f"{run}/first-direct.txt").read().strip().splitlines()[:-1]:
    fields = line.split()
    direct_times[fields[0].rsplit("/", 1)[1]] = float(fields[3]) * 1000
per_original = []
for first in firsts:
    direct_ms = direct_times[first["file"]]
    per_original.append({**first, "directMs": round(direct_ms, 3), "ratio": round(direct_ms / first["renderMs"], 3)})
first_render = {
    "originals": len(per_original),
    "failures": sum(1 for entry in per_original if entry["uploadStatus"] != 201 or entry["renderStatus"] != 200),
    "medianRenderMs": round(statistics.median(entry["renderMs"] for entry in per_original), 3),
    "medianDirectMs": round(statistics.median(entry["directMs"] for entry in per_original), 3),
    "medianUploadMs": round(statistics.median(entry["uploadMs"] for entry in per_original), 3),
    "medianRatio": round(statistics.median(entry["ratio"] for entry in per_original), 3),
    "perOriginal": per_original,
}

herd = {**load("herd.json"), "renders": load("herd-counted.json")["renders"]}
herd["errors"] = herd["requests"] - herd["statuses"].get("200", 0)

memory = {
    "startBytes": load("memory-start.json")["start"],
    "halfBytes": load("memory-half.json")["half"],
    "endBytes": load("memory-end.json")["end"],
    "halves": [load("memory1.json"), load("memory2.json")],
}
memory["secondHalfGrowth"] = round(memory["endBytes"] / memory["halfBytes"] - 1, 4)
long_targets = load("long-targets.json")
animation = load("animation.json")

MiB = 1024 * 1024
titles = {
    "mixed": "hit, mixed (1,000 renders of 32 to 512 px)",
    "small": "hit, small (1,000 avatars at 80 px)",
    "defaults": "hit, defaults (1,000 hashes, d=identicon, 80 px)",
}
rows = []
for scenario, figures in hits.items():
    ours, theirs = figures["avatars"], figures["nginx"]
    clean = ours["errors"] == 0 and theirs["errors"] == 0
    rows.append((
        f"{titles[scenario]} vs nginx, requests/s",
        f"{ours['requestsPerSecond']:.0f} vs {theirs['requestsPerSecond']:.0f}",
        f"{figures['requestsRatio']:.2f}x", "≥ 0.95x", figures["requestsRatio"] >= 0.95 and clean))
    rows.append((
        f"{titles[scenario]} vs nginx, p50 / p99 ms",
        f"{ours['p50Ms']:.2f} / {ours['p99Ms']:.2f} vs {theirs['p50Ms']:.2f} / {theirs['p99Ms']:.2f}",
        f"p99 {figures['p99Ratio']:.2f}x", "p99 ≤ 1.2x", figures["p99Ratio"] <= 1.2))
    rows.append((
        f"{titles[scenario]} vs nginx, server CPU per request",
        f"{ours['cpuMicrosPerRequest']:.1f} vs {theirs['cpuMicrosPerRequest']:.1f} µs",
        f"{figures['cpuRatio']:.2f}x", "≤ 1.2x" if scenario == "small" else "",
        figures["cpuRatio"] <= 1.2 if scenario == "small" else None))
for connections, figures in miss.items():
    round_ratios = ", ".join(f"{entry['directRatio']:.2f}" for entry in figures["rounds"])
    rows.append((
        f"miss vs direct libvips from masters, {connections} connections ({figures['originals']} originals x "
        f"{figures['sizesPerOriginal']} sizes; median of {len(figures['rounds'])} rounds: "
        f"{round_ratios})",
        f"{figures['avatars']['rendersPerSecond']:.1f} vs {figures['direct']['rendersPerSecond']:.1f} renders/s",
        f"{figures['directRatio']:.2f}x", "≥ 0.9x",
        figures["directRatio"] >= 0.9 and figures["failures"] == 0))
    ours_cpu = figures["cpuSeconds"] * 1000 / max(1, figures["avatars"]["requests"])
    theirs_cpu = figures["direct"]["cpuSeconds"] * 1000 / max(1, figures["direct"]["renders"])
    # Cores kept busy (CPU seconds over wall seconds): what the server leaves idle while it renders.
    ours_busy = figures["cpuSeconds"] / max(1e-9, figures["avatars"]["seconds"])
    theirs_busy = figures["direct"]["cpuSeconds"] / max(1e-9, figures["direct"]["seconds"])
    rows.append((
        f"miss vs direct libvips, {connections} connections, CPU per render (cores busy)",
        f"{ours_cpu:.2f} vs {theirs_cpu:.2f} ms ({ours_busy:.2f} vs {theirs_busy:.2f} cores)",
        f"{ours_cpu / theirs_cpu:.2f}x", "", None))
rows.append((
    f"first render vs direct libvips (median of {first_render['originals']}, {firsts[0]['size']} px)",
    f"{first_render['medianRenderMs']:.1f} vs {first_render['medianDirectMs']:.1f} ms "
    f"(upload {first_render['medianUploadMs']:.0f} ms)",
    f"{first_render['medianRatio']:.2f}x", "≥ 0.9x", first_render["medianRatio"] >= 0.9 and first_render["failures"] == 0))
rows.append((
    "herd: 500 simultaneous requests, one uncached render",
    f"{herd['renders']} render, {herd['errors']} errors, {herd['distinctBodies']} distinct body",
    "", "1 render, 0 errors", herd["renders"] == 1 and herd["errors"] == 0))
rows.append((
    "memory: RssAnon after 50k / 100k requests (90% hits)",
    f"{memory['halfBytes'] / MiB:.0f} / {memory['endBytes'] / MiB:.0f} MiB",
    f"{memory['secondHalfGrowth'] * 100:+.1f}%", "≤ 256 MiB, ≤ 5% growth",
    memory["endBytes"] <= 256 * MiB and memory["secondHalfGrowth"] <= 0.05))
rows.append((
    f"memory held by {long_targets['requests']:,} requests with distinct {long_targets['targetBytes']:,}-byte targets",
    f"{long_targets['heldBytes'] / MiB:+.1f} MiB RssAnon ({long_targets['rssAnonAfter'] / MiB:.0f} MiB after)",
    "", "≤ http.answerCacheBytes (32 MiB) + 8 MiB", long_targets["heldBytes"] <= 40 * MiB))
for extension in ("gif", "webp"):
    figures = animation[extension]
    rows.append((
        f"animation: 64 frames at 128 px, {extension.upper()}: first render / median hit",
        f"{figures['firstRenderMs']:.1f} / {figures['medianHitMs']:.2f} ms ({figures['bytes']:,} bytes)",
        "", "", None))
largest = animation["largest"]
rows.append((
    f"animation: RssAnon while the largest accepted ({largest['frames']} x {largest['side']} px) renders, asked at 512 px",
    f"{largest['rssAnonPeak'] / MiB:.0f} MiB peak ({largest['rssAnonBefore'] / MiB:.0f} before; "
    f"GIF {largest['renders']['gif']['renderMs']:.0f} ms, WebP {largest['renders']['webp']['renderMs']:.0f} ms)",
    "", "≤ 256 MiB", largest["rssAnonPeak"] <= 256 * MiB))
for connections, figures in miss.items():
    rows.append((
        f"peer: miss vs thumbor, {connections} connections",
        f"{figures['avatars']['rendersPerSecond']:.1f} vs {figures['thumbor']['rendersPerSecond']:.1f} renders/s",
        f"{figures['thumborRatio']:.2f}x", "≥ 2x", figures["thumborRatio"] >= 2 and figures["thumbor"]["failures"] == 0))

results = {
    "machine": machine, "runSeconds": run_seconds, "hits": hits, "headBytes": head_sizes, "miss": miss, "firstRender": first_render,
    "herd": herd, "memory": memory, "longTargets": long_targets, "animation": animation,
    "targets": [{"scenario": row[0], "measured": row[1], "ratio": row[2], "target": row[3], "met": row[4]} for row in rows],
}
with open(f"{out}/results.json", "w") as file:
    json.dump(results, file, indent=2)

lines = [
    f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memoryGiB']} GiB, {machine['os']}; "
    f"libvips {machine['libvips']}, nginx {machine['nginx']}, thumbor {machine['thumbor']}, wrk {machine['wrk']}. "
    f"Run time {run_seconds:.0f} s. Response heads: avatars {head_sizes['avatars']} bytes, nginx "
    f"{head_sizes['nginx']} bytes (small scenario).",
    "",
    "| scenario | avatars vs baseline | ratio | target | met |",
    "|---|---|---|---|---|",
]
lines += [f"| {name} | {measured} | {ratio} | {target} | {'' if met is None else 'yes' if met else 'NO'} |"
          for name, measured, ratio, target, met in rows]
table = "\n".join(lines) + "\n"
with open(f"{out}/results.md", "w") as file:
    file.write(table)
print(table)
