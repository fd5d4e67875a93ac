import numpy as np
import pytest

from trainer import TrainerError, load_config


def test_presets_load_and_differ_where_the_paper_says():
    demo, paper, tiny = load_config("demo"), load_config("paper"), load_config("tiny")
    assert paper["backbone"] == "xception" and paper["image_size"] == 299
    assert paper["learning_rate"] == 1e-4 and paper["dropout"] == 0.7
    assert [s["freeze"] for s in paper["stages"]] == ["all", 40, 2]
    assert demo["checkpoints"] == tiny["checkpoints"] == 11
    assert demo["units"] == 1024


def test_file_then_overrides(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('preset = "tiny"\nepochs = 2\nlearning_rate = 0.01\n')
    cfg = load_config(path=f, seed=5, epochs=None)
    assert (cfg["epochs"], cfg["seed"], cfg["n_images"]) == (2, 5, 480)


@pytest.mark.parametrize(
    "text, words",
    [
        ('{"epocs": 3}', "unknown config keys"),
        ('{"stages": [{"epoch": 1, "freeze": "all"}]}', "first stage"),
        ('{"backbone": "resnet"}', "backbone"),
        ("{not json", "not valid json"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path, text, words):
    f = tmp_path / "bad.json"
    f.write_text(text)
    with pytest.raises(TrainerError) as err:
        load_config(path=f)
    assert str(f) in str(err.value) and words in str(err.value).lower()


def test_checkpoints_are_dense_early_and_end_at_the_last_step():
    from trainer.recorder import checkpoint_steps

    ck = checkpoint_steps(580, 11)
    assert ck[0] == 0 and ck[-1] == 580 and len(set(ck)) == 11
    gaps = np.diff(ck)
    assert np.all(gaps[1:] >= gaps[:-1])  # spacing only grows
    assert list(checkpoint_steps(10, 11)) == list(range(11))
    with pytest.raises(TrainerError, match="11 checkpoints need at least 10 training steps"):
        checkpoint_steps(9, 11)
