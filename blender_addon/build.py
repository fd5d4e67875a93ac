"""``galaxyreel addon build``: the installable extension zip (manifest, add-on, wheels).

An installed extension is imported as ``bl_ext.<repo>.galaxyreel``, so the add-on's own modules
import each other relatively and this project's packages travel as a wheel that Blender installs
into its extension site-packages (top-level ``scene_builders``, ``render_farm``, ``galaxyreel``).
Third-party wheels: h5py (one per platform; Blender brings numpy) and tqdm (pure Python).
Wheels are taken from ``--wheels DIR`` or a cache folder, and downloaded from PyPI with
``pip download`` only when missing, so a second build is offline and takes a few seconds.

The project wheel is built by ``pip wheel --no-deps`` from a copy of the sources in a temporary
folder: building in the checkout would write ``build/`` and ``*.egg-info`` into a tree others use.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

from .errors import AddonError

ADDON_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = ADDON_DIR.parent
BLENDER_PYTHON = "3.11"  # Blender 4.2 to 5.0 all embed CPython 3.11

# Blender platform name -> (pip --platform tags, words a matching wheel file name contains)
PLATFORMS = {
    "linux-x64": (("manylinux2014_x86_64", "manylinux_2_17_x86_64"), ("linux", "x86_64")),
    "linux-arm64": (("manylinux2014_aarch64", "manylinux_2_17_aarch64"), ("linux", "aarch64")),
    "macos-x64": (("macosx_10_13_x86_64", "macosx_10_9_x86_64"), ("macosx", "x86_64")),
    "macos-arm64": (("macosx_11_0_arm64",), ("macosx", "arm64")),
    "windows-x64": (("win_amd64",), ("win_amd64",)),
}
BINARY = ("h5py",)  # one wheel per platform
PURE = ("tqdm",)  # one py3-none-any wheel
EXCLUDED = {"build.py"}  # packaging code: not part of the installed add-on


def default_cache() -> Path:
    env = os.environ.get("GALAXYREEL_WHEEL_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "galaxyreel" / "wheels"


def _version(dist: str) -> str:
    """The version installed here, so the extension ships what the tests ran against."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError as exc:
        raise AddonError(f"{dist} is not installed here; cannot choose its wheel version") from exc


def _matches(name: str, dist: str, version: str, platform: str | None) -> bool:
    low = name.lower()
    if not low.startswith(f"{dist}-{version}-".lower()) or not low.endswith(".whl"):
        return False
    if platform is None:
        return low.endswith("-py3-none-any.whl")
    return "cp311" in low and all(w in low for w in PLATFORMS[platform][1])


def find_wheel(dirs: list[Path], dist: str, version: str, platform: str | None) -> Path | None:
    for d in dirs:
        if d.is_dir():
            for p in sorted(d.iterdir()):
                if _matches(p.name, dist, version, platform):
                    return p
    return None


def fetch_wheel(
    dist: str, platform: str | None, dirs: list[Path], cache: Path, progress=print
) -> Path:
    """A wheel of the installed version of ``dist`` for ``platform`` (None: pure Python)."""
    version = _version(dist)
    found = find_wheel(dirs + [cache], dist, version, platform)
    if found:
        return found
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(cache)]
    cmd += ["--only-binary=:all:", "--python-version", BLENDER_PYTHON]
    if platform is not None:
        cmd += ["--implementation", "cp", "--abi", "cp311"]
        for tag in PLATFORMS[platform][0]:
            cmd += ["--platform", tag]
    cmd.append(f"{dist}=={version}")
    progress(f"addon build: downloading {dist} {version} for {platform or 'any platform'}")
    p = subprocess.run(cmd, capture_output=True, text=True)
    found = find_wheel([cache], dist, version, platform)
    if p.returncode != 0 or found is None:
        tail = " | ".join((p.stderr or p.stdout).strip().splitlines()[-2:])
        raise AddonError(
            f"no {dist} {version} wheel for {platform or 'any platform'} in {cache} and pip "
            f"could not download one ({tail or 'no matching file'}); put it in a folder and "
            "pass --wheels DIR"
        )
    return found


def project_wheel(dest: Path) -> Path:
    """This project's wheel (no dependencies), built from a copy of its sources."""
    pyproject = PROJECT_ROOT / "pyproject.toml"
    conf = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    include = conf["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = sorted({pat.rstrip("*").rstrip(".") for pat in include})
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    with tempfile.TemporaryDirectory(prefix="galaxyreel-wheel-") as td:
        src = Path(td) / "src"
        src.mkdir()
        for name in ("pyproject.toml", "README.md"):
            if (PROJECT_ROOT / name).exists():
                shutil.copy2(PROJECT_ROOT / name, src / name)
        for pkg in packages:
            if (PROJECT_ROOT / pkg).is_dir():
                shutil.copytree(PROJECT_ROOT / pkg, src / pkg, ignore=ignore)
        out = Path(td) / "dist"
        cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
        cmd += ["--wheel-dir", str(out), str(src)]
        # This venv's setuptools first (offline, fast); an isolated build if it has none.
        p = subprocess.run(cmd + ["--no-build-isolation"], capture_output=True, text=True)
        if p.returncode != 0:
            p = subprocess.run(cmd, capture_output=True, text=True)
        wheels = sorted(out.glob("*.whl")) if out.is_dir() else []
        if p.returncode != 0 or not wheels:
            tail = " | ".join((p.stderr or p.stdout).strip().splitlines()[-3:])
            raise AddonError(f"{pyproject}: building the project wheel failed: {tail}")
        dest.mkdir(parents=True, exist_ok=True)
        final = dest / wheels[0].name
        shutil.copy2(wheels[0], final)
        return final


def _toml_value(v) -> str:
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise AddonError(f"blender_manifest.toml: cannot write a {type(v).__name__} value")


def manifest_text(manifest: dict) -> str:
    """TOML for the manifest's kinds of value: strings, lists of strings, tables of strings."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in manifest.items() if not isinstance(v, dict)]
    for k, table in manifest.items():
        if isinstance(table, dict):
            lines += ["", f"[{k}]"] + [f"{kk} = {_toml_value(vv)}" for kk, vv in table.items()]
    return "\n".join(lines) + "\n"


def read_manifest(path: Path = ADDON_DIR / "blender_manifest.toml") -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AddonError(f"{path}: cannot read the extension manifest: {exc}") from exc


def addon_files() -> list[Path]:
    return sorted(p for p in ADDON_DIR.iterdir() if p.suffix == ".py" and p.name not in EXCLUDED)


def build_extension(
    out_dir: Path,
    platforms: list[str] | tuple[str, ...] = ("linux-x64",),
    wheel_dirs: list[Path] | tuple[Path, ...] = (),
    cache: Path | None = None,
    progress=print,
) -> Path:
    """Write ``out_dir/galaxyreel-<version>.zip`` for ``platforms``; returns its path.

    The zip is written under a temporary name and renamed, so a failed build leaves any earlier
    zip intact.
    """
    bad = [p for p in platforms if p not in PLATFORMS]
    if bad or not platforms:
        raise AddonError(
            f"unknown platform(s) {', '.join(bad) or '(none)'}; use {', '.join(PLATFORMS)}"
        )
    platforms = list(dict.fromkeys(platforms))
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AddonError(f"{out_dir}: cannot create the folder: {exc.strerror or exc}") from exc
    dirs = [Path(d) for d in wheel_dirs]
    cache = Path(cache) if cache else default_cache()
    manifest = read_manifest()
    wheels: list[Path] = []
    for dist in PURE:
        wheels.append(fetch_wheel(dist, None, dirs, cache, progress))
    for dist in BINARY:
        for plat in platforms:
            wheels.append(fetch_wheel(dist, plat, dirs, cache, progress))
    with tempfile.TemporaryDirectory(prefix="galaxyreel-addon-") as td:
        wheels.append(project_wheel(Path(td)))
        manifest["platforms"] = platforms
        manifest["wheels"] = [f"./wheels/{w.name}" for w in wheels]
        final = out_dir / f"{manifest['id']}-{manifest['version']}.zip"
        tmp = out_dir / f".{final.name}.{os.getpid()}.tmp"
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("blender_manifest.toml", manifest_text(manifest))
                for f in addon_files():
                    z.write(f, f.name)
                for w in wheels:
                    z.write(w, f"wheels/{w.name}", compress_type=zipfile.ZIP_STORED)
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
    return final


def build_cli(args) -> int:
    platforms = getattr(args, "platform", None) or ["linux-x64"]
    wheel_dirs = getattr(args, "wheels", None) or []
    zp = build_extension(
        args.out, platforms, wheel_dirs, progress=lambda m: print(m, file=sys.stderr)
    )
    with zipfile.ZipFile(zp) as z:
        names = z.namelist()
    wheels = [n.split("/", 1)[1] for n in names if n.startswith("wheels/")]
    print(f"{zp}: Blender extension for {', '.join(platforms)}, {zp.stat().st_size // 1024} KiB")
    for w in wheels:
        print(f"  wheel {w}")
    print(f"install: Blender > Edit > Preferences > Get Extensions > Install from Disk > {zp}")
    return 0


def main(argv=None) -> int:
    """``python -m blender_addon.build``: the same as ``galaxyreel addon build``."""
    from galaxyreel.cli import main as cli_main

    return cli_main(["addon", "build", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
