"""Job scripts and renderer command lines, as text: PBS and Maya cannot run here, and the
Slurm script's text is checked apart from the real-cluster tests (bash -n, quoting, flags)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from render_farm.commands import blender_command, maya_command, shell_line
from render_farm.jobscript import array_spec
from render_farm.pbs import pbs_script, qsub_commands
from render_farm.slurm import render_script, step_script

OUT = Path('/data/frames dir/it\'s "q"')
M = {"blend": "/scenes/my scene.blend", "python": "/opt/venv x/bin/python", "chunks": []}


def exec_argv(script: str) -> list[str]:
    """The argv the script's exec line would run (what bash would see)."""
    line = next(ln for ln in script.splitlines() if ln.startswith("exec "))
    return shlex.split(line)[1:]


def test_blender_command_has_the_flags_in_order():
    cmd = blender_command("blender", Path("/s/a b.blend"), "/o/####", 3, 9)
    assert cmd == ["blender", "-b", "/s/a b.blend", "-o", "/o/####", "-F", "PNG",
                   "-s", "3", "-e", "9", "-a"]  # fmt: skip


def test_blender_command_overrides_follow_the_file_and_precede_render():
    cmd = blender_command("blender", Path("x.blend"), "o/####", 1, 2, threads=2,
                          resolution=(64, 36), samples=4)  # fmt: skip
    i = cmd.index("--python-expr")
    assert cmd.index("x.blend") < i < cmd.index("-o") < cmd.index("-a")
    assert "resolution_x=64" in cmd[i + 1] and "samples = 4" in cmd[i + 1]
    assert cmd[cmd.index("-t") + 1] == "2"
    compile(cmd[i + 1], "expr", "exec")  # the expression is valid Python


def test_maya_render_command():
    cmd = maya_command(
        "Render", Path("/s/my scene.ma"), Path("/tmp/out"), 1, 24, resolution=(320, 180)
    )
    assert cmd[:7] == ["Render", "-r", "arnold", "-s", "1", "-e", "24"]
    assert cmd[cmd.index("-rd") + 1] == "/tmp/out"
    assert cmd[-1] == "/s/my scene.ma"
    assert shlex.split(shell_line(cmd)) == cmd


@pytest.mark.parametrize(
    "idx, k, spec", [([0, 1, 2, 3], 2, "0-3%2"), ([3, 5, 8], None, "3,5,8"), ([4], None, "4")]
)
def test_array_spec(idx, k, spec):
    assert array_spec(idx, k) == spec


def test_slurm_script_quotes_paths_and_uses_the_task_id():
    opts = {"threads": 2, "partition": "render", "time": "00:30:00", "mem": "4G"}
    s = render_script(OUT, M, opts, "0-9%3")
    subprocess.run(["bash", "-n"], input=s, text=True, check=True)
    assert "#SBATCH --array=0-9%3" in s.splitlines()
    assert "#SBATCH --cpus-per-task=2" in s and "#SBATCH --partition=render" in s
    assert "#SBATCH --time=00:30:00" in s and "#SBATCH --mem=4G" in s
    argv = exec_argv(s)
    assert argv[:4] == ["/opt/venv x/bin/python", "-m", "render_farm.worker", str(OUT)]
    assert argv[4:] == ["--chunk", "$SLURM_ARRAY_TASK_ID", "--threads", "2"]


def test_slurm_script_runs_the_worker_with_the_task_index(tmp_path):
    """Run the generated script with bash, python replaced by one that prints its argv."""
    py = tmp_path / "py th'on"
    py.write_text(f"#!{sys.executable}\nimport sys, json; print(json.dumps(sys.argv[1:]))\n")
    py.chmod(0o755)
    s = render_script(OUT, {**M, "python": str(py)}, {"threads": 1}, "0-3")
    out = subprocess.run(["bash", "-c", s], env={"SLURM_ARRAY_TASK_ID": "7", "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, check=True)  # fmt: skip
    import json

    assert json.loads(out.stdout) == [
        "-m",
        "render_farm.worker",
        str(OUT),
        "--chunk",
        "7",
        "--threads",
        "1",
    ]


def test_collect_and_retry_scripts():
    for step in ("collect", "retry"):
        s = step_script(OUT, M, {"partition": "p"}, step)
        subprocess.run(["bash", "-n"], input=s, text=True, check=True)
        assert exec_argv(s)[1:] == ["-m", "render_farm.slurm", step, str(OUT)]


def test_pbs_pro_script_is_an_array_on_pbs_array_index():
    s = pbs_script(
        OUT, M, {"threads": 4, "time": "01:00:00", "partition": "workq"}, list(range(10))
    )
    subprocess.run(["bash", "-n"], input=s, text=True, check=True)
    lines = s.splitlines()
    assert "#PBS -J 0-9" in lines and "#PBS -l select=1:ncpus=4" in lines
    assert "#PBS -l walltime=01:00:00" in lines and "#PBS -q workq" in lines
    assert exec_argv(s)[3:6] == [str(OUT), "--chunk", "$PBS_ARRAY_INDEX"]


def test_pbs_pro_single_task_array_is_valid():
    s = pbs_script(OUT, M, {}, [5])
    assert "#PBS -J 5-6:2" in s.splitlines()  # only index 5; PBS Pro needs start < end


def test_torque_script_uses_t_and_pbs_arrayid():
    s = pbs_script(OUT, M, {"threads": 2, "max_parallel": 3}, [0, 1, 2, 3], flavour="torque")
    lines = s.splitlines()
    assert "#PBS -t 0-3%3" in lines and "#PBS -l nodes=1:ppn=2" in lines
    assert exec_argv(s)[5] == "$PBS_ARRAYID"


def test_qsub_collect_waits_for_the_whole_array():
    first, second = qsub_commands(OUT, "1234[].pbs01")
    assert first[0] == "qsub" and first[-1].endswith("render.pbs")
    assert second[:3] == ["qsub", "-W", "depend=afterok:1234[].pbs01"]
    _, torque = qsub_commands(OUT, "77[].torque", flavour="torque")
    assert torque[2] == "depend=afterokarray:77[].torque"
    _, bare = qsub_commands(OUT, "1234.server")
    assert bare[2] == "depend=afterok:1234[]"


def test_render_farm_imports_without_blender():
    code = (
        "import sys, render_farm, render_farm.api, render_farm.cli, render_farm.worker, "
        "render_farm.slurm, render_farm.pbs, render_farm.state, render_farm.framelist\n"
        "print(sorted(m for m in ('bpy', 'numpy', 'tensorflow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_maya_plan_comes_from_the_timeline_and_needs_no_blender(tmp_path, capsys):
    import json

    import render_farm

    scene = tmp_path / "maya scene" / "film.ma"
    scene.parent.mkdir()
    scene.write_text("//Maya ASCII 2024 scene\n")
    (scene.parent / "timeline.json").write_text(json.dumps({
        "fps": 24, "frame_start": 1, "frame_end": 6, "resolution": [64, 36],
        "shots": [{"name": "a", "title": "A", "first_frame": 1, "last_frame": 6}],
    }))  # fmt: skip
    out = tmp_path / "frames"
    render_farm.render(scene, out, renderer="maya", backend="slurm", dry_run=True, progress=False)
    m = json.loads((out / "manifest.json").read_text())
    assert m["renderer"] == "maya" and m["frames"] == [1, 2, 3, 4, 5, 6]
    assert m["resolution"] == [64, 36]
    lone = tmp_path / "lone.ma"  # no timeline beside it, no --resolution
    lone.write_text("//Maya ASCII 2024 scene\n")
    with pytest.raises(render_farm.FarmError, match="--resolution"):
        render_farm.render(lone, tmp_path / "o2", renderer="maya", backend="slurm", dry_run=True)
