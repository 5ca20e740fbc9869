"""Benchmark: a folder of recordings through `vidkit watch --preset review`, against `vidkit run`
on each file in turn, on the same recordings in one run.

Recordings: N generated 720p sessions (two moving faces and a therapist's speech, as in
bench/pipeline.py), each of `--seconds`; one is made and the others are copies with a
different container comment (the same work, other bytes: the watcher knows a recording by its
sha256 and would take identical copies once).

    (s) vidkit run F --preset review -o OUT          for each file in turn
    (1) vidkit watch DIR --once --preset review --jobs 1
    (2) vidkit watch DIR --once --preset review --jobs 2
    (d) vidkit watch DIR --once --preset review --executor dask://...   (a 2-worker LocalCluster,
        processes, one thread each, resources vidkit=1)

Each with its own empty store, output folder and XDG dirs. Throughput = recording-minutes per
wall minute. Peak RSS per job: the largest resident size of any one worker process (or of the
`vidkit run` process and what it waited for), sampled from /proc every 0.2 s. Per-step costs
come from the store's jobs table of run (s), and give the scaling model printed at the end.

    python bench/watch.py [--files 8] [--seconds 60] [--skip-dask]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.pipeline import SENTENCES  # noqa: E402
from tests.support.named_session import ROSTER  # noqa: E402
from tests.support.session_media import make_session  # noqa: E402
from vidkit.media.ffmpeg import find_ffmpeg  # noqa: E402


def recordings(folder: Path, files: int, seconds: float) -> list[Path]:
    (folder / "make").mkdir(parents=True, exist_ok=True)
    source, _ = make_session(folder / "make", seconds, SENTENCES)
    made = []
    for number in range(files):
        target = folder / "recordings" / f"session_{number + 1:02d}.mp4"
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-c", "copy",
                        "-metadata", f"comment=bench {number}", str(target)], check=True)
        made.append(target)
    return made


class PeakRSS:
    """The largest RSS of any single process in the tree under `root` (sampled)."""

    def __init__(self, root: int, others: tuple[int, ...] = ()):
        self.root, self.others, self.peak_kib, self._stop = root, others, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        found, todo = [], [self.root, *self.others]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    todo += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
            except OSError:
                pass
        return found

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self._tree():
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            self.peak_kib = max(self.peak_kib, int(line.split()[1]))
                except OSError:
                    pass
            time.sleep(0.2)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kib / 1024


def environment(folder: Path) -> dict[str, str]:
    for name in ("data", "config/vidkit"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    roster = folder / "roster.txt"
    roster.write_text(ROSTER, encoding="utf-8")
    (folder / "config" / "vidkit" / "vidkit.toml").write_text(  # review describes: it needs the roster
        f"[watch]\nsettle_seconds = 0.5\n\n[privacy]\nroster = {json.dumps(str(roster))}\n")
    return {**os.environ, "HF_HUB_OFFLINE": "1", "XDG_DATA_HOME": str(folder / "data"),
            "XDG_CONFIG_HOME": str(folder / "config")}


def timed(cmd: list[str], env: dict[str, str], others: tuple[int, ...] = ()) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB of one process: the command's or its children's, or of
    `others`, the Dask workers, which are not its children)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = PeakRSS(proc.pid, others)
    _, err = proc.communicate()
    wall, rss = time.perf_counter() - started, peak.stop()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[2:5])} failed ({proc.returncode}): {err[-800:]}")
    return wall, rss


def vidkit(*args: object) -> list[str]:
    return [sys.executable, "-m", "vidkit", *map(str, args), "--quiet"]


def one_by_one(work: Path, files: list[Path]) -> tuple[float, float, dict[str, float]]:
    env = environment(work)
    wall, peak = 0.0, 0.0
    for path in files:
        seconds, rss = timed(vidkit("run", path, "--preset", "review", "-o", work / "out", "--ledger",
                                    work / "store.sqlite3"), env)
        wall, peak = wall + seconds, max(peak, rss)
    with sqlite3.connect(work / "store.sqlite3") as db:
        rows = db.execute("SELECT step, avg(seconds) FROM jobs WHERE state = 'done' GROUP BY step").fetchall()
    return wall, peak, {step: seconds for step, seconds in rows}


def watched(work: Path, files: list[Path], *extra: object, others: tuple[int, ...] = ()) -> tuple[float, float]:
    env = environment(work)
    incoming = work / "in"
    incoming.mkdir()
    for path in files:
        shutil.copy2(path, incoming / path.name)
    time.sleep(0.6)  # settled before the clock starts: the settle wait is not processing
    wall, rss = timed(vidkit("watch", incoming, "--once", "--preset", "review", "-o", work / "out", "--ledger",
                             work / "store.sqlite3", *extra), env, others)
    with sqlite3.connect(work / "store.sqlite3") as db:
        states = dict(db.execute("SELECT state, count(*) FROM watch_items GROUP BY state").fetchall())
    if states != {"done": len(files)}:
        raise SystemExit(f"watch left {states}")
    return wall, rss


def cluster():
    from distributed import LocalCluster

    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, resources={"vidkit": 1},
                        dashboard_address=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--only", choices=("s", "1", "2", "d"), action="append",
                        help="run only these (repeatable); without (s) there are no ratios or per-step costs")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"{platform.node()}: {cores} cores, load {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="vidkit-bench-watch-") as temp:
        folder = Path(temp)
        print(f"making {args.files} recordings of {args.seconds:g} s (720p, two faces, speech) ...", flush=True)
        files = recordings(folder, args.files, args.seconds)
        minutes = args.files * args.seconds / 60
        warm = folder / "warm"  # the first process pays for cold caches: not timed
        subprocess.run(vidkit("transcribe", files[0], "-o", warm), env=environment(warm), check=True)
        rows, steps = {}, {}
        if not args.only or "s" in args.only:
            wall, rss, steps = one_by_one(folder / "serial", files)
            rows["(s) vidkit run, each file in turn"] = (wall, rss)
            print(f"(s) {wall:.1f} s", flush=True)
        for jobs in (1, 2):
            if args.only and str(jobs) not in args.only:
                continue
            rows[f"({jobs}) vidkit watch --once --jobs {jobs}"] = watched(folder / f"jobs{jobs}", files, "--jobs", jobs)
            print(f"({jobs}) {rows[f'({jobs}) vidkit watch --once --jobs {jobs}'][0]:.1f} s", flush=True)
        if not args.skip_dask and (not args.only or "d" in args.only):
            from distributed import Client

            with cluster() as dask, Client(dask) as client:
                workers = tuple(client.run(os.getpid).values())
                rows["(d) vidkit watch --once, Dask LocalCluster 2 workers"] = watched(
                    folder / "dask", files, "--executor", dask.scheduler_address, others=workers)
    base = rows.get("(s) vidkit run, each file in turn", (None,))[0]
    print(f"\n{args.files} recordings x {args.seconds:g} s = {minutes:g} recording-minutes, preset review, "
          f"{cores} cores, {time.strftime('%Y-%m-%d')}\n")
    print("| | wall s | recording-min per wall-min | vs (s) | peak RSS per job |")
    print("|---|---|---|---|---|")
    for name, (wall, rss) in rows.items():
        ratio = f"{base / wall:.2f}x" if base else "-"
        print(f"| {name} | {wall:.1f} | {minutes / (wall / 60):.2f} | {ratio} | {rss:.0f} MiB |")
    if not steps:
        return
    per_recording = sum(steps.values())
    print(f"\nper-step seconds per {args.seconds:g} s recording (from run (s)): "
          + json.dumps({k: round(v, 1) for k, v in steps.items()}))
    print(f"scaling model: one recording costs {per_recording:.1f} s of a {cores}-core machine that it keeps busy, "
          f"so N such machines (as Dask workers with vidkit=1) process about "
          f"{args.seconds / 60 / (per_recording / 60):.2f} x N recording-minutes per wall minute, while the "
          "shared storage keeps up (each recording is read about 3 times and its outputs written once).")


if __name__ == "__main__":
    main()
