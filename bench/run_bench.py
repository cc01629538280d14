#!/usr/bin/python3
"""scripts/bench's measuring half: runs every job on the generated frames, each in its own process,
and prints one table (wall and CPU seconds, peak resident memory, megapixels per second, ratios
against the decode-only baseline of the same frames and against the peers), the targets of issue 7
met or missed, and the same as JSON.

Wall time is the best of --repeat runs (the machine is shared, so the best run is the least
disturbed); CPU time and memory are from that same run. Peers that are not installed are listed as
skipped, never estimated."""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path


def measure(command, work, repeat, cwd=None, shell=False):
    """Runs command `repeat` times; returns the best run's figures, or the failure."""
    best = None
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        result = subprocess.run(command, cwd=cwd, shell=shell, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode != 0:
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            return {"failed": "failed: " + (lines[0] if lines else "exit %d" % result.returncode)[:150]}
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        # ru_maxrss of the children is the largest any child reached so far in this process, so each
        # job runs in a fresh python (see run_isolated) to keep it the job's own.
        run = {"wall": wall, "cpu": cpu, "rss_mib": after.ru_maxrss / 1024}
        if best is None or run["wall"] < best["wall"]:
            best = run
    return best


def run_isolated(command, repeat, cwd=None, shell=False):
    """measure() in a child python, so the peak memory is this job's, not the largest so far."""
    script = ("import json,sys;sys.path.insert(0,%r);import run_bench as b;"
              "print(json.dumps(b.measure(%r, None, %d, %r, %r)))") % (
        str(Path(__file__).parent), command, repeat, str(cwd) if cwd else None, shell)
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    try:
        return json.loads(output.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"failed": output.stderr.strip()[-160:]}


def frame_files(directory):
    return sorted(str(p) for p in Path(directory).iterdir() if not p.name.startswith("."))


class Bench:
    def __init__(self, options):
        self.options = options
        self.rows = []
        self.scratch = Path(options.directory) / "scratch"
        self.scratch.mkdir(parents=True, exist_ok=True)

    def add(self, case, job, kind, figures, megapixels, note=""):
        row = {"case": case, "job": job, "kind": kind, "megapixels": megapixels, "note": note}
        row.update(figures)
        if "wall" in figures:
            row["mpx_per_s"] = megapixels / figures["wall"]
        self.rows.append(row)
        shown = ("%7.2f s wall %7.2f s CPU %7.0f MiB" % (row["wall"], row["cpu"], row["rss_mib"])
                 if "wall" in row else row.get("failed") or row.get("skipped"))
        print("  %-28s %-34s %s" % (case, job, shown), flush=True)

    def skip(self, case, job, reason):
        self.rows.append({"case": case, "job": job, "kind": "peer", "skipped": reason})
        print("  %-28s %-34s skipped: %s" % (case, job, reason), flush=True)

    def nightstack(self, case, directory, method, megapixels, repeat):
        output = self.scratch / ("%s.fits" % method)
        command = [self.options.nightstack, "stack", "--method", method, "--threads", str(self.options.threads),
                   "--quiet", "--report", "none", "--fits", str(output), "--memory-limit",
                   self.options.memory_limit, "--cache-directory", str(self.scratch), directory]
        self.add(case, "nightstack " + method, "nightstack", run_isolated(command, repeat), megapixels)

    def decode(self, case, directory, megapixels, repeat):
        command = [self.options.decode_frames, directory, str(self.options.threads)]
        self.add(case, "decode only (nightstack readers)", "baseline", run_isolated(command, repeat), megapixels)

    def djpeg(self, case, directory, megapixels, repeat):
        if not shutil.which("djpeg"):
            return self.skip(case, "djpeg", "djpeg not installed (libjpeg-turbo-progs)")
        command = "ls %s/*.jpg | xargs -P %d -n 1 djpeg -outfile /dev/null" % (directory, self.options.threads)
        self.add(case, "decode only (djpeg per file)", "baseline", run_isolated(command, repeat, shell=True),
                 megapixels)

    def peers(self, case, directory, count, megapixels, fits_directory=None):
        files = frame_files(directory)
        environment = "export VIPS_CONCURRENCY=%d OMP_NUM_THREADS=%d; " % (self.options.threads, self.options.threads)
        if shutil.which("vips"):
            sequential = " ".join("%s[access=sequential]" % f for f in files)
            command = environment + "vips bandrank '%s' %s/vips-max.v --index %d" % (
                sequential, self.scratch, count - 1)
            self.add(case, "vips bandrank max", "peer", run_isolated(command, 1, shell=True), megapixels)
            # Linear light the vips way: each frame to scRGB (linear float), then one sum.
            linear = self.scratch / "vips-linear"
            linear.mkdir(exist_ok=True)
            command = (environment + "for f in %s; do vips colourspace \"$f\" %s/$(basename \"$f\").v scrgb || exit 1;"
                       " done && vips sum \"$(ls %s/*.v | tr '\\n' ' ')\" %s/vips-sum.v && rm -f %s/*.v") % (
                " ".join(files), linear, linear, self.scratch, linear)
            self.add(case, "vips colourspace scrgb + sum", "peer", run_isolated(command, 1, shell=True), megapixels,
                     "linear-light mean (sum)")
        else:
            self.skip(case, "vips", "vips not installed (libvips-tools)")
        magick = shutil.which("magick") or ("/usr/bin/convert" if os.path.exists("/usr/bin/convert") else None)
        if magick:
            command = [magick] + files + ["-evaluate-sequence", "max", str(self.scratch / "magick-max.tif")]
            self.add(case, "ImageMagick -evaluate-sequence max", "peer", run_isolated(command, 1), megapixels)
        else:
            self.skip(case, "ImageMagick", "ImageMagick not installed")
        if shutil.which("siril-cli"):
            for name, stack in (("max", "max"), ("sigma rejection", "rej s 3 3 -nonorm")):
                work = self.scratch / "siril"
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir()
                script = work / "stack.ssf"
                script.write_text("requires 1.0.0\ncd %s\nconvert frame -out=%s\ncd %s\nstack frame %s -out=result\n"
                                  % (directory, work, work, stack))
                command = ["siril-cli", "-d", str(work), "-s", str(script)]
                self.add(case, "siril-cli convert + stack " + name, "peer", run_isolated(command, 1), megapixels)
                shutil.rmtree(work, ignore_errors=True)
        else:
            self.skip(case, "siril-cli", "siril not installed")
        if shutil.which("astarithmetic") and fits_directory:
            fits = frame_files(fits_directory)
            for name, operator in (("max", "max"), ("sigclip-mean", "3 0.2 sigclip-mean")):
                command = ["astarithmetic"] + fits + [str(len(fits))] + operator.split() + [
                    "-g0", "--quiet", "--numthreads=%d" % self.options.threads,
                    "--output=%s" % (self.scratch / "gnuastro.fits")]
                self.add(case.replace("JPEG", "FITS"), "astarithmetic " + name + " (FITS frames)", "peer",
                         run_isolated(command, 1), megapixels)
        elif not shutil.which("astarithmetic"):
            self.skip(case, "astarithmetic", "Gnuastro not installed")
        seed = Path(__file__).parent / "seed_methods.py"
        for method in ("max", "mean"):
            command = ["/usr/bin/python3", str(seed), method, str(self.scratch / ("seed-%s.npy" % method))] + files
            self.add(case, "seed python %s (PIL+numpy)" % method, "peer", run_isolated(command, 1), megapixels)


def ratio(rows, case, job, reference_job, key="wall", reference_case=None):
    def find(c, j):
        return next((r for r in rows if r["case"] == c and r["job"] == j and key in r), None)
    row, reference = find(case, job), find(reference_case or case, reference_job)
    if not row or not reference:
        return None
    return row[key] / reference[key]


def targets(rows, cases):
    small, large = cases["small"], cases.get("large")
    decode = "decode only (nightstack readers)"
    results = []

    def target(text, value, limit, better="below"):
        if value is None:
            results.append({"target": text, "value": None, "limit": limit, "met": None})
            return
        met = value <= limit if better == "below" else value >= limit
        results.append({"target": text, "value": round(value, 2), "limit": limit, "met": met})

    for method in ("max", "mean"):
        for key in ("wall", "cpu"):
            target("%s / decode-only (%s, %s)" % (method, key, small),
                   ratio(rows, small, "nightstack " + method, decode, key), 1.15)
        target("vips max / nightstack max (wall, %s)" % small if method == "max" else
               "vips linear mean / nightstack mean (wall, %s)" % small,
               ratio(rows, small, "vips bandrank max" if method == "max" else "vips colourspace scrgb + sum",
                     "nightstack " + method), 1.0, "above")
    target("sigma_clip / mean (wall, %s)" % small, ratio(rows, small, "nightstack sigma_clip", "nightstack mean"), 2.0)
    target("siril rejection / nightstack sigma_clip (wall, %s)" % small,
           ratio(rows, small, "siril-cli convert + stack sigma rejection", "nightstack sigma_clip"), 3.0, "above")
    if large:
        frames_ratio = cases["large_frames"] / cases["small_frames"]
        for method in ("max", "mean"):
            target("%s peak RSS %s / %s" % (method, large, small),
                   ratio(rows, large, "nightstack " + method, "nightstack " + method, "rss_mib", small), 1.10)
            value = ratio(rows, large, "nightstack " + method, "nightstack " + method, "cpu", small)
            target("%s CPU time per frame, %s / %s (linear: 1)" % (method, large, small),
                   value / frames_ratio if value else None, 1.10)
    return results


def print_table(rows, baseline_of):  # noqa: the columns of markdown() below, for a terminal
    print()
    print("%-26s %-40s %8s %8s %9s %8s %8s %8s  %s" % ("case", "job", "wall s", "CPU s", "peak MiB", "Mpx/s",
                                                      "wall/dec", "CPU/dec", "peer/nightstack (wall)"))
    for row in rows:
        if "wall" not in row:
            print("%-26s %-40s %s" % (row["case"], row["job"], row.get("failed") or "skipped: " + row["skipped"]))
            continue
        base = baseline_of(row["case"])
        wall_ratio = "%8.2f" % (row["wall"] / base["wall"]) if base else "%8s" % "-"
        cpu_ratio = "%8.2f" % (row["cpu"] / base["cpu"]) if base else "%8s" % "-"
        print("%-26s %-40s %8.2f %8.2f %9.0f %8.1f %s %s  %s" % (row["case"], row["job"], row["wall"], row["cpu"],
                                                                row["rss_mib"], row["mpx_per_s"], wall_ratio,
                                                                cpu_ratio, versus(rows, row)))


def counterpart(rows, row):
    """For a peer's row, nightstack's row of the same job on the same frames (max, mean, sigma_clip)."""
    job = row["job"]
    method = ("sigma_clip" if "rejection" in job or "sigclip" in job else
              "max" if "max" in job else "mean" if "mean" in job or "sum" in job else None)
    if row.get("kind") != "peer" or method is None:
        return None
    return next((r for r in rows if r["case"] == row["case"] and r["job"] == "nightstack " + method
                 and "wall" in r), None)


def versus(rows, row):
    """'peer / nightstack' wall-time ratio text, or '-'."""
    other = counterpart(rows, row)
    return "%.2f (%s)" % (row["wall"] / other["wall"], other["job"].split()[1]) if other else "-"


def markdown(report):
    """The table and the targets of a bench.json as Markdown, for the README."""
    lines = ["| case | job | wall s | CPU s | peak MiB | Mpx/s | wall / decode | CPU / decode | peer / nightstack |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    rows = report["rows"]
    for row in rows:
        if "wall" not in row:
            lines.append("| %s | %s | %s | | | | | | |" % (row["case"], row["job"],
                                                       row.get("failed") or "skipped: " + row["skipped"]))
            continue
        base = next((r for r in rows if r["case"] == row["case"] and "wall" in r
                     and r["job"].startswith("decode only (night")), None)
        ratios = ("%.2f | %.2f" % (row["wall"] / base["wall"], row["cpu"] / base["cpu"])) if base else "- | -"
        lines.append("| %s | %s | %.1f | %.1f | %.0f | %.1f | %s | %s |" % (
            row["case"], row["job"], row["wall"], row["cpu"], row["rss_mib"], row["mpx_per_s"], ratios,
            versus(rows, row)))
    targets = ["| target | value | limit | |", "|---|---:|---:|---|"]
    for item in report["targets"]:
        verdict = "n/a" if item["met"] is None else ("met" if item["met"] else "**missed**")
        targets.append("| %s | %s | %s | %s |" % (item["target"], item["value"], item["limit"], verdict))
    return "\n".join(lines), "\n".join(targets)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--markdown":
        table, checked = markdown(json.loads(Path(sys.argv[2]).read_text()))
        print(table + "\n\n" + checked)
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--directory", required=True)
    parser.add_argument("--nightstack", required=True)
    parser.add_argument("--decode-frames", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-limit", default="2GiB")
    parser.add_argument("--peers", action="store_true")
    parser.add_argument("--json", required=True)
    parser.add_argument("--commit", default="")
    parser.add_argument("cases", nargs="+", help="NAME=DIRECTORY:FRAMES:WIDTH:HEIGHT:METHODS[:FITS_DIRECTORY]")
    options = parser.parse_args()
    bench = Bench(options)
    cases = {}
    for index, spec in enumerate(options.cases):
        name, rest = spec.split("=", 1)
        fields = rest.split(":")
        directory, frames, width, height, methods = fields[:5]
        fits_directory = fields[5] if len(fields) > 5 else None
        megapixels = int(frames) * int(width) * int(height) / 1e6
        if index == 0:
            cases["small"], cases["small_frames"] = name, int(frames)
        elif name.startswith("JPEG"):
            cases["large"], cases["large_frames"] = name, int(frames)
        print("%s: %s frames of %sx%s in %s" % (name, frames, width, height, directory), flush=True)
        repeat = options.repeat if index == 0 else 1
        bench.decode(name, directory, megapixels, repeat)
        if name.startswith("JPEG"):
            bench.djpeg(name, directory, megapixels, repeat)
        for method in methods.split(","):
            bench.nightstack(name, directory, method, megapixels, repeat)
        if options.peers and index == 0:
            bench.peers(name, directory, int(frames), megapixels, fits_directory)

    def baseline_of(case):
        return next((r for r in bench.rows if r["case"] == case and r["job"].startswith("decode only (night")
                     and "wall" in r), None)

    print_table(bench.rows, baseline_of)
    checked = targets(bench.rows, cases)
    print()
    for item in checked:
        verdict = "n/a (a job was skipped or failed)" if item["met"] is None else (
            "met" if item["met"] else "MISSED")
        print("  %-62s %6s  (limit %s)  %s" % (item["target"], item["value"], item["limit"], verdict))
    load = os.getloadavg()
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": options.commit,
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "load_average_after": load},
        "threads": options.threads,
        "rows": bench.rows,
        "targets": checked,
    }
    Path(options.json).write_text(json.dumps(report, indent=2) + "\n")
    print("\nload average after the run: %.1f %.1f %.1f on %d cores; JSON: %s" % (load + (os.cpu_count(),
                                                                                       options.json)))


if __name__ == "__main__":
    main()
