"""Real (tiny) trainings: the run file, the story it tells, determinism, resume."""

import h5py
import numpy as np
import pytest

import trainer
from scene_builders.runfile import read_run


def _divergence(acts):
    """Normalised distance between the spiral and the elliptical probe response, per iteration."""
    s, e = acts[:, 0], acts[:, 1]
    return np.linalg.norm(s - e, axis=1) / (
        np.linalg.norm(s, axis=1) + np.linalg.norm(e, axis=1) + 1e-9
    )


@pytest.mark.slow
def test_tiny_run_is_a_valid_run_file_with_the_whole_story(tiny_run):
    out, path = tiny_run
    run = read_run(path)
    cfg = run.training.config
    assert path == out / "run.h5" and not (out / "run.h5.partial").exists()
    assert run.snapshots.step.shape == (11,) and run.snapshots.step[0] == 0
    assert run.snapshots.step[-1] == cfg["derived"]["total_steps"] == run.surfaces.step[-1]
    assert run.catalog.thumbnails.shape == (200, 64, 64, 3)
    assert run.units == 64 and list(run.probes.labels) == [1, 0]
    # every step recorded (record_every=1), stages in order, one event per stage
    np.testing.assert_array_equal(run.surfaces.step, np.arange(cfg["derived"]["total_steps"] + 1))
    assert [ev.stage for ev in run.training.events] == [0, 1, 2]
    assert np.all(np.diff(run.surfaces.stage) >= 0) and set(run.surfaces.stage) == {0, 1, 2}
    assert len(run.training.history["val_accuracy"]) == cfg["epochs"]
    # probes come from the held-out set, never from training
    assert set(run.probes.names) <= set(run.catalog.ids) | set(cfg["derived"]["probe_ids"])


@pytest.mark.slow
def test_probe_responses_diverge_as_the_network_learns(tiny_run):
    run = read_run(tiny_run[1])
    d = _divergence(run.surfaces.activations)
    assert d[-1] > 3 * d[0], f"first {d[0]:.3f}, last {d[-1]:.3f}"


@pytest.mark.slow
def test_catalog_accuracy_climbs_from_chance(tiny_run):
    run = read_run(tiny_run[1])
    acc = run.snapshots.accuracy(run.catalog.labels)
    assert acc[0] <= 0.8 and acc[-1] >= 0.85, acc


@pytest.mark.slow
def test_same_seed_gives_bit_identical_recordings(micro_run, micro_config, tmp_path):
    again = trainer.train(micro_config(), tmp_path / "again", progress=False)
    a, b = read_run(micro_run), read_run(again)
    np.testing.assert_array_equal(a.surfaces.activations, b.surfaces.activations)
    np.testing.assert_array_equal(a.snapshots.probabilities, b.snapshots.probabilities)


@pytest.mark.slow
def test_interrupted_run_keeps_its_records_and_resumes(
    micro_run, micro_config, tmp_path, monkeypatch
):
    from trainer import state

    real_save = state.save_state

    def save_then_die(state_dir, model, optimizer, progress):
        real_save(state_dir, model, optimizer, progress)
        if progress["epoch"] == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(state, "save_state", save_then_die)
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        trainer.train(micro_config(), out, progress=False)
    partial = out / "run.h5.partial"
    assert partial.exists() and not (out / "run.h5").exists()
    with h5py.File(partial) as f:  # what was recorded before the interruption is on disk
        assert (
            f["surfaces/step"][-1]
            == 2 * read_run(micro_run).training.config["derived"]["steps_per_epoch"]
        )
    monkeypatch.setattr(state, "save_state", real_save)
    path = trainer.train(micro_config(), out, resume=True, progress=False)
    a, b = read_run(micro_run), read_run(path)
    np.testing.assert_array_equal(a.surfaces.step, b.surfaces.step)
    assert [e.stage for e in b.training.events] == [0, 1, 2]
    # weights, optimizer moments, dropout seeds, data order and augmentation all resume exactly
    np.testing.assert_array_equal(a.snapshots.probabilities, b.snapshots.probabilities)
    np.testing.assert_array_equal(a.surfaces.activations, b.surfaces.activations)


@pytest.mark.slow  # trains the shared tiny run if no other test did
def test_a_finished_run_with_the_same_config_is_not_redone(micro_run, micro_config):
    before = micro_run.stat().st_mtime_ns
    assert trainer.train(micro_config(), micro_run.parent, progress=False) == micro_run
    assert micro_run.stat().st_mtime_ns == before


@pytest.mark.slow  # trains the shared tiny run if no other test did
def test_resume_with_another_config_is_refused(micro_run, micro_config):
    with pytest.raises(trainer.TrainerError, match="different config"):
        trainer.train(micro_config(seed=1), micro_run.parent, resume=True, progress=False)
