"""Two local workers (TF_CONFIG on 127.0.0.1) train one model with MultiWorkerMirroredStrategy."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from scene_builders.runfile import read_run


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


@pytest.mark.slow
def test_two_workers_finish_with_identical_weights(micro_config, tmp_path):
    # one epoch with everything trainable: the BatchNorm statistics must stay in sync too
    cfg = micro_config(
        epochs=1, distribute="multi_worker", checkpoints=5, stages=[{"epoch": 0, "freeze": 0}]
    )
    cfg_file = tmp_path / "cfg.json"
    cfg_file.write_text(json.dumps(cfg))
    out = tmp_path / "run"
    workers = [f"127.0.0.1:{p}" for p in _free_ports(2)]
    procs = []
    for i in range(2):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        env["TF_CONFIG"] = json.dumps(
            {"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}
        )
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "galaxyreel.cli",
                    "train",
                    "--config",
                    str(cfg_file),
                    "--out",
                    str(out),
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    try:
        results = [p.communicate(timeout=400) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err[-3000:]
    run = read_run(out / "run.h5")
    assert run.training.config["derived"]["workers"] == 2
    assert run.snapshots.step.shape == (5,)

    import keras

    chief = keras.saving.load_model(out / "model.keras", compile=False)
    other = keras.saving.load_model(out / "workers" / "worker-1" / "model.keras", compile=False)
    for a, b in zip(chief.weights, other.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
    start = read_run(out / "run.h5").surfaces.activations
    moved = np.abs(start[-1] - start[0]).max()
    assert moved > 0  # they trained, and agree
