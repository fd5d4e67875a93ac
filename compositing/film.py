"""Storyboard + frames -> film.mp4, film.srt and film.wav (the mixed audio).

Everything that can fail on bad input (storyboard keys, shots, frame ranges, fonts, audio
files, narration timing) is checked before the encode starts. Outputs are written under
temporary names and renamed only when the encode has finished, so an interrupted run leaves
nothing at the output paths; the narration cache makes the re-run quick.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import captions as cap
from . import encode, mix, text
from .audio_io import write_wav
from .errors import StoryboardError
from .frames import FrameSource, load_frames
from .music import music_bed
from .plan import Plan, check_frames, make_plan
from .storyboard import Storyboard, load_storyboard
from .voices import narration_audio


@dataclass(frozen=True)
class ComposeResult:
    film: Path
    captions: Path
    audio: Path
    duration: float  # seconds
    frames: int
    fps: int
    size: tuple[int, int]
    loudness: float  # LUFS integrated (of the mix, before AAC)
    true_peak: float  # dBTP
    encode_seconds: float
    plan: Plan
    cues: tuple[cap.Cue, ...]


def _log(progress: bool, msg: str) -> None:
    if progress:
        print(f"compose: {msg}", file=sys.stderr, flush=True)


def compose(
    storyboard: Path,
    frames_dir: Path,
    out: Path,
    *,
    preview: bool = False,
    burn_captions: bool = False,
    progress: bool = True,
    timeline: Path | None = None,
) -> ComposeResult:
    """Compose the film; see ``docs/storyboard.md``."""
    out = Path(out)
    if out.suffix.lower() != ".mp4":
        raise StoryboardError(f"{out}: the film must be an .mp4 file")
    sb = load_storyboard(storyboard)
    source = load_frames(frames_dir, timeline)
    check_frames(sb, source)
    if sb.output.size is None:
        sb = sb.with_size(_even(source.resolution or _first_frame_size(source)))
    if preview:
        sb = sb.preview()
    rate = sb.output.audio_rate
    out.parent.mkdir(parents=True, exist_ok=True)
    cache = out.parent / ".galaxyreel-cache" / "voice"
    _log(progress, f"narration: {len(sb.narration)} lines")
    clips = narration_audio(sb, rate, cache)
    plan = make_plan(sb, source, [c.shape[0] / rate for c in clips])
    seconds = plan.duration
    for note in plan.notices:
        _log(progress, f"note: {note}")
    bed = _music(sb, seconds, rate)
    _log(progress, f"{len(plan.segments)} segments, {seconds:.2f} s, {plan.total_frames} frames")

    work = Path(tempfile.mkdtemp(prefix=f".{out.stem}.work-", dir=out.parent))
    srt_path, wav_path = out.with_suffix(".srt"), out.with_suffix(".wav")
    target = out.with_name(f".{out.stem}.partial.mp4")
    try:
        n = plan.total_frames * rate // plan.fps
        voice = mix.place(clips, [v.start for v in plan.narration], n, rate)
        spans = [(v.start, v.end) for v in plan.narration]
        m = sb.music
        mixed = mix.mix(
            voice,
            bed,
            rate,
            spans,
            music_level=m.level,
            duck=m.duck,
            attack=m.attack,
            release=m.release,
            music_fade_in=m.fade_in,
            music_fade_out=m.fade_out,
            target=sb.output.loudness,
            ceiling=sb.output.true_peak,
        )
        write_wav(work / "mix.wav", mixed.audio, rate)
        cues = cap.cues([(v.start, v.end, v.line.text) for v in plan.narration])
        if cues:
            (work / "captions.srt").write_text(cap.to_srt(cues), encoding="utf-8")

        seq_dirs, parts, scaled = _sequences(sb, source, plan, work)
        plates = _plates(sb, plan, work)
        burn = _burn(sb, work) if burn_captions and cues else None
        (work / "graph.txt").write_text(
            encode.filtergraph(plan, parts, scaled, plates, sb.output, burn), encoding="utf-8"
        )
        argv = encode.command(
            plan,
            seq_dirs,
            plates,
            "graph.txt",
            "mix.wav",
            "captions.srt" if cues else None,
            sb.output,
            str(target.resolve()),
            title=sb.film.title,
        )
        seconds_taken = encode.run(argv, work, plan.total_frames, progress, out.name)
        if cues:
            os.replace(work / "captions.srt", srt_path)
        else:
            srt_path.write_text("", encoding="utf-8")
        os.replace(work / "mix.wav", wav_path)
        os.replace(target, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        target.unlink(missing_ok=True)
    _log(progress, f"wrote {out} ({seconds:.2f} s, encode {seconds_taken:.1f} s)")
    return ComposeResult(
        film=out,
        captions=srt_path,
        audio=wav_path,
        duration=seconds,
        frames=plan.total_frames,
        fps=plan.fps,
        size=sb.output.size,
        loudness=mixed.loudness,
        true_peak=mixed.true_peak,
        encode_seconds=seconds_taken,
        plan=plan,
        cues=tuple(cues),
    )


def _even(size: tuple[int, int]) -> tuple[int, int]:
    return (max(16, size[0] // 2 * 2), max(16, size[1] // 2 * 2))


def _first_frame_size(source: FrameSource) -> tuple[int, int]:
    from PIL import Image

    for shot in source.shots.values():
        if shot.files:
            with Image.open(shot.files[0]) as im:
                return im.size
    return (1280, 720)


def _music(sb: Storyboard, seconds: float, rate: int) -> np.ndarray | None:
    m = sb.music
    try:
        return music_bed(m.file, m.generate, seconds, rate, m.seed)
    except StoryboardError as exc:
        raise StoryboardError(f"{sb.where('music', None, 'file')}: {exc}") from exc


def _link(src: Path, dst: Path) -> None:
    try:
        os.symlink(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _sequences(
    sb: Storyboard, source: FrameSource, plan: Plan, work: Path
) -> tuple[list[str], list[encode.Piece], list[bool]]:
    """One folder of numbered links per piece (head, body, tail of each segment), one link
    per film frame; and per segment whether its frames need scaling."""
    from PIL import Image

    size = sb.output.size
    files_of: list[list[Path]] = []
    scaled = []
    for i, p in enumerate(plan.segments):
        seg = p.segment
        if seg.is_card:
            card = work / f"card{i:03d}.png"
            text.card_png(
                seg.title, seg.subtitle, seg.lines, sb.styles, size, sb.film.background, card
            )
            files = [card.resolve()] * p.frames
        else:
            files = [plan.source_file(source, p, k).resolve() for k in range(p.frames)]
        try:
            with Image.open(files[0]) as im:
                scaled.append(im.size != tuple(size))
        except OSError as exc:
            raise StoryboardError(f"{files[0]}: not a readable PNG frame: {exc}") from exc
        files_of.append(files)
    parts = encode.pieces(plan)
    dirs = []
    for j, piece in enumerate(parts):
        d = work / f"seq{j:03d}"
        d.mkdir()
        for k, f in enumerate(files_of[piece.segment][piece.first : piece.end]):
            _link(f, d / f"{k:06d}.png")
        dirs.append(d.name)
    return dirs, parts, scaled


def _plates(sb: Storyboard, plan: Plan, work: Path) -> list[encode.Plate]:
    plates = []
    for j, pa in enumerate(plan.annotations):
        a = pa.annotation
        name = f"note{j:03d}.png"
        box = text.annotation_png(a.text, sb.styles[a.style], sb.output.size, work / name)
        x, y = text.place(a.position, box, sb.output.size)
        plates.append(encode.Plate(name, x, y, pa.start, pa.end, a.fade))
    return plates


def _burn(sb: Storyboard, work: Path) -> encode.Burn:
    from PIL import ImageFont

    style = sb.styles["caption"]
    fonts = work / "fonts"
    fonts.mkdir()
    _link(style.font.resolve(), fonts / style.font.name)
    family = ImageFont.truetype(str(style.font), 12).getname()[0]
    return encode.Burn(
        srt="captions.srt",
        fonts_dir="fonts",
        font_name=family,
        font_size=style.size / text.REFERENCE_LINES * 288,
        outline=max(style.stroke, 1.0) / text.REFERENCE_LINES * 288,
        margin_v=round(0.045 * 288),
    )
