"""Stage caching: skip what is up to date, redo what changed, resume after an interruption."""

from __future__ import annotations

import pytest

from galaxyreel.stages import Stage, StageError, run_stages


def _chain(tmp_path, calls, cfg=None):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"

    def make_a():
        calls.append("a")
        a.write_text("A" + str(cfg))

    def make_b():
        calls.append("b")
        b.write_text(a.read_text() + "B")

    return [
        Stage("first", make_a, (), (a,), {"cfg": cfg}, "make a"),
        Stage("second", make_b, (a,), (b,), {}, "make b"),
    ]


def test_second_run_skips_every_stage(tmp_path):
    calls = []
    run_stages(_chain(tmp_path, calls), tmp_path, log=lambda m: None)
    out = run_stages(_chain(tmp_path, calls), tmp_path, log=lambda m: None)
    assert calls == ["a", "b"] and all(o.skipped for o in out)


def test_changed_config_redoes_the_stage_and_what_follows(tmp_path):
    calls = []
    run_stages(_chain(tmp_path, calls, cfg=1), tmp_path, log=lambda m: None)
    run_stages(_chain(tmp_path, calls, cfg=2), tmp_path, log=lambda m: None)
    assert calls == ["a", "b", "a", "b"]


def test_force_redoes_one_stage(tmp_path):
    calls = []
    run_stages(_chain(tmp_path, calls), tmp_path, log=lambda m: None)
    run_stages(_chain(tmp_path, calls), tmp_path, force=["second"], log=lambda m: None)
    assert calls == ["a", "b", "b"]


def test_stage_that_rewrites_its_input_counts_as_up_to_date(tmp_path):
    p = tmp_path / "run.h5"
    calls = []

    def train():
        calls.append("train")
        p.write_text("trained")

    def project():
        calls.append("project")
        p.write_text(p.read_text() + "+tracks")

    def stages():
        return [Stage("train", train, (), (p,)), Stage("project", project, (p,), (p,))]

    run_stages(stages(), tmp_path, log=lambda m: None)
    run_stages(stages(), tmp_path, log=lambda m: None)
    assert calls == ["train", "project"]


def test_interrupted_chain_resumes_at_the_failed_stage(tmp_path):
    calls = []
    stages = _chain(tmp_path, calls)

    def boom():
        raise RuntimeError("killed")

    broken = [stages[0], Stage("second", boom, stages[1].inputs, stages[1].outputs)]
    with pytest.raises(RuntimeError):
        run_stages(broken, tmp_path, log=lambda m: None)
    out = run_stages(_chain(tmp_path, calls), tmp_path, log=lambda m: None)
    assert calls == ["a", "b"] and [o.skipped for o in out] == [True, False]


def test_missing_output_redoes_the_stage(tmp_path):
    calls = []
    run_stages(_chain(tmp_path, calls), tmp_path, log=lambda m: None)
    (tmp_path / "b.txt").unlink()
    run_stages(_chain(tmp_path, calls), tmp_path, log=lambda m: None)
    assert calls == ["a", "b", "b"]


def test_unknown_forced_stage_is_a_clear_error(tmp_path):
    with pytest.raises(StageError, match="unknown stage.*nope"):
        run_stages(_chain(tmp_path, []), tmp_path, force=["nope"], log=lambda m: None)


def test_stage_failing_half_way_after_a_good_run_is_redone(tmp_path):
    calls = []
    run_stages(_chain(tmp_path, calls), tmp_path, log=lambda m: None)
    stages = _chain(tmp_path, calls)

    def half_then_fail():
        (tmp_path / "b.txt").write_text("half")  # an output replaced before the failure
        raise RuntimeError("killed")

    broken = [stages[0], Stage("second", half_then_fail, stages[1].inputs, stages[1].outputs)]
    with pytest.raises(RuntimeError):
        run_stages(broken, tmp_path, force=["second"], log=lambda m: None)
    out = run_stages(_chain(tmp_path, calls), tmp_path, log=lambda m: None)
    assert [o.skipped for o in out] == [True, False]
    assert (tmp_path / "b.txt").read_text() == "A" + "None" + "B"
