"""The stage runner: skip a stage whose outputs are still the ones it made from these inputs.

A stage is skipped when (a) every output exists, (b) its config hash is the one recorded when it
last finished, and (c) every input's fingerprint (size, mtime in ns) is the one recorded then.
Outputs are only required to exist: a later stage may legitimately rewrite them.
Fingerprints, not "newer than" comparisons, because some stages rewrite their input in place
(``project`` adds tracks to ``run.h5``): recording the inputs *after* the stage ran makes its own
edit count as up to date, while any other change (a re-trained run) makes it stale. The record
is a small JSON file written atomically after each stage, so an interrupted chain resumes at the
first stage that did not finish.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path


def fingerprint(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return [st.st_size, st.st_mtime_ns]


def config_hash(config) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


class StageError(Exception):
    user_facing = True


@dataclass
class Stage:
    name: str
    run: Callable[[], object]
    inputs: tuple[Path, ...] = ()
    outputs: tuple[Path, ...] = ()
    config: dict = field(default_factory=dict)
    describe: str = ""


@dataclass
class StageOutcome:
    name: str
    skipped: bool
    seconds: float
    reason: str


class StageRecord:
    """``<root>/.galaxyreel-stages.json``: what each stage last saw and made."""

    def __init__(self, root: Path):
        self.path = Path(root) / ".galaxyreel-stages.json"
        try:
            self.data = json.loads(self.path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            self.data = {}

    def _key(self, p: Path) -> str:
        return str(Path(p).resolve())

    def stale_reason(self, stage: Stage) -> str | None:
        """None when the stage is up to date, else why it must run."""
        rec = self.data.get(stage.name)
        if rec is None:
            return "never ran here"
        missing = [p for p in stage.outputs if not Path(p).exists()]
        if missing:
            return f"output {missing[0]} is missing"
        if rec.get("config") != config_hash(stage.config):
            return "its settings changed"
        for p in stage.inputs:
            if rec.get("inputs", {}).get(self._key(p)) != fingerprint(Path(p)):
                return f"input {p} changed"
        return None

    def done(self, stage: Stage, seconds: float) -> None:
        self.data[stage.name] = {
            "config": config_hash(stage.config),
            "inputs": {self._key(p): fingerprint(Path(p)) for p in stage.inputs},
            "outputs": {self._key(p): fingerprint(Path(p)) for p in stage.outputs},
            "seconds": round(seconds, 2),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        self._save()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True))
        os.replace(tmp, self.path)

    def forget(self, name: str) -> None:
        """Drop a stage's record before it runs: a stage that fails half-way may already have
        replaced some of its outputs, so it must not count as up to date afterwards."""
        if self.data.pop(name, None) is not None:
            self._save()

    def seconds(self, name: str) -> float | None:
        rec = self.data.get(name)
        return None if rec is None else rec.get("seconds")


def run_stages(
    stages: Iterable[Stage], root: Path, *, force: Iterable[str] = (), log=None
) -> list[StageOutcome]:
    """Run the stages in order, skipping up-to-date ones; one line per stage on ``log``."""
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    stages = list(stages)
    force = set(force)
    unknown = force - {s.name for s in stages}
    if unknown:
        raise StageError(
            f"unknown stage(s) for --force: {', '.join(sorted(unknown))}; "
            f"stages are {', '.join(s.name for s in stages)}"
        )
    record = StageRecord(root)
    outcomes = []
    for i, stage in enumerate(stages, 1):
        head = f"[{i}/{len(stages)}] {stage.name:<8}"
        reason = "forced" if stage.name in force else record.stale_reason(stage)
        if reason is None:
            log(f"{head} up to date, skipped ({stage.describe})")
            outcomes.append(StageOutcome(stage.name, True, 0.0, "up to date"))
            continue
        log(f"{head} running: {stage.describe} ({reason})")
        t0 = time.perf_counter()
        record.forget(stage.name)
        stage.run()
        dt = time.perf_counter() - t0
        record.done(stage, dt)
        log(f"{head} done in {dt:.1f} s")
        outcomes.append(StageOutcome(stage.name, False, dt, reason))
    return outcomes
