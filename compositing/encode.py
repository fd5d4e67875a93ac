"""The final encode as one ffmpeg run: the plan becomes a filtergraph.

Each segment is cut into pieces, each an image sequence (symlinks in the work folder, one per
film frame, so holds and lower render rates need no filter): the bodies and the blended
transitions are joined by one ``concat``; cross-fades and fades through black are ``xfade``
over just the overlapping head and tail pieces; annotation plates are pre-rendered PNGs laid
on with ``overlay`` only inside their window (``setpts`` shifts them there, ``eof_action=pass``
ends them); captions are burned with ``subtitles`` (libass) when asked. ffmpeg decodes the
inputs on their own threads, so the whole thing runs at plain-encode speed
(``bench/compose.py``).
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import StoryboardError
from .ffmpeg import ffmpeg_exe
from .plan import Plan
from .storyboard import Output


@dataclass(frozen=True)
class Plate:
    """An annotation PNG (name inside the work folder) and where and when it shows."""

    png: str
    x: int
    y: int
    start: float
    end: float
    fade: float


@dataclass(frozen=True)
class Burn:
    """Burned-in captions: an .srt and a fonts folder inside the work folder, libass style."""

    srt: str
    fonts_dir: str
    font_name: str
    font_size: float  # libass units (the script is 288 lines high)
    outline: float
    margin_v: int


@dataclass(frozen=True)
class Piece:
    """A run of one segment's film frames, fed to ffmpeg as its own image sequence.

    Segments are cut into head (blended with the previous segment), body and tail (blended
    with the next), so ``xfade`` sees only the overlapping frames: measured here, xfade costs
    ~3 ms of CPU for *every* 1080p frame it passes through, blended or not, while ``concat``
    passes frames for free.
    """

    segment: int
    role: str  # head | body | tail
    first: int  # film frames within the segment, [first, end)
    end: int

    @property
    def frames(self) -> int:
        return self.end - self.first


def pieces(plan: Plan) -> list[Piece]:
    """The pieces of every segment, in film order."""
    out = []
    segs = plan.segments
    for i, p in enumerate(segs):
        o_in = p.overlap if i > 0 else 0
        o_out = segs[i + 1].overlap if i + 1 < len(segs) else 0
        if o_in:
            out.append(Piece(i, "head", 0, o_in))
        if p.frames - o_out > o_in:
            out.append(Piece(i, "body", o_in, p.frames - o_out))
        if o_out:
            out.append(Piece(i, "tail", p.frames - o_out, p.frames))
    return out


def _f(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".") or "0"


def filtergraph(
    plan: Plan,
    parts: list[Piece],
    scaled: list[bool],
    plates: list[Plate],
    out: Output,
    burn: Burn | None,
) -> str:
    """The ``-filter_complex`` text; inputs are the pieces, then the plates, in order.

    Bodies and blended transitions are joined by one ``concat``; ``scaled[i]`` says whether
    segment i's frames need scaling to the film's size.
    """
    w, h = out.size
    fps = plan.fps
    lines = []
    label = {}
    for j, piece in enumerate(parts):
        chain = f"[{j}:v]"
        if scaled[piece.segment]:
            chain += (
                f"scale={w}:{h}:force_original_aspect_ratio=decrease:flags=bicubic,"
                f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black,"
            )
        lines.append(chain + f"setsar=1,format=yuv420p[q{j}]")
        label[(piece.segment, piece.role)] = f"q{j}"
    order = []
    for i, p in enumerate(plan.segments):
        if (i, "head") in label:
            t = "fade" if p.segment.transition == "crossfade" else "fadeblack"
            lines.append(
                f"[{label[(i - 1, 'tail')]}][{label[(i, 'head')]}]xfade=transition={t}:"
                f"duration={_f(p.overlap / fps)}:offset=0[x{i}]"
            )
            order.append(f"x{i}")
        if (i, "body") in label:
            order.append(label[(i, "body")])
    if len(order) > 1:
        joined = "".join(f"[{x}]" for x in order)
        lines.append(f"{joined}concat=n={len(order)}:v=1:a=0,settb=1/{fps}[c]")
    else:
        lines.append(f"[{order[0]}]null[c]")
    acc = "c"
    n = len(parts)
    for j, pl in enumerate(plates):
        dur = pl.end - pl.start
        fade = min(pl.fade, dur / 2)
        src = f"[{n + j}:v]format=yuva420p"
        if fade > 0:
            src += (
                f",fade=t=in:st=0:d={_f(fade)}:alpha=1"
                f",fade=t=out:st={_f(dur - fade)}:d={_f(fade)}:alpha=1"
            )
        lines.append(src + f",setpts=PTS-STARTPTS+{_f(pl.start)}/TB[p{j}]")
        lines.append(f"[{acc}][p{j}]overlay=x={pl.x}:y={pl.y}:eof_action=pass:repeatlast=0[o{j}]")
        acc = f"o{j}"
    tail = []
    if burn is not None:
        style = (
            f"FontName={burn.font_name},FontSize={_f(burn.font_size)},"
            f"PrimaryColour=&H00FFFFFF,OutlineColour=&H00000000,BorderStyle=1,"
            f"Outline={_f(burn.outline)},Shadow=0,MarginV={burn.margin_v}"
        )
        tail.append(
            f"subtitles=filename={burn.srt}:fontsdir={burn.fonts_dir}:force_style='{style}'"
        )
    total = plan.duration
    if plan.fade_in > 0:
        tail.append(f"fade=t=in:st=0:d={_f(plan.fade_in)}")
    if plan.fade_out > 0:
        tail.append(f"fade=t=out:st={_f(total - plan.fade_out)}:d={_f(plan.fade_out)}")
    tail.append("format=yuv420p")
    lines.append(f"[{acc}]" + ",".join(tail) + "[vout]")
    return ";\n".join(lines) + "\n"


def command(
    plan: Plan,
    seq_dirs: list[str],
    plates: list[Plate],
    graph_file: str,
    audio: str,
    srt: str | None,
    out: Output,
    target: str,
    title: str = "",
) -> list[str]:
    """The ffmpeg argv (run with the work folder as cwd; every path is relative to it)."""
    fps = str(plan.fps)
    argv = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    argv += ["-progress", "pipe:1", "-nostats"]
    for d in seq_dirs:
        argv += ["-framerate", fps, "-start_number", "0", "-i", f"{d}/%06d.png"]
    for pl in plates:
        argv += ["-loop", "1", "-framerate", fps, "-t", _f(pl.end - pl.start), "-i", pl.png]
    n = len(seq_dirs) + len(plates)
    argv += ["-i", audio]
    if srt is not None:
        argv += ["-i", srt]
    argv += ["-/filter_complex", graph_file, "-map", "[vout]", "-map", f"{n}:a"]
    if srt is not None:
        argv += ["-map", f"{n + 1}:s"]
    argv += ["-c:v", "libx264", "-preset", out.preset, "-crf", str(out.crf)]
    argv += ["-pix_fmt", "yuv420p", "-r", fps, "-fps_mode", "cfr"]
    argv += ["-c:a", "aac", "-b:a", out.audio_bitrate, "-ar", str(out.audio_rate)]
    if srt is not None:
        argv += ["-c:s", "mov_text", "-metadata:s:s:0", "language=eng"]
        argv += ["-metadata:s:s:0", "handler_name=Narration"]
    if title:
        argv += ["-metadata", f"title={title}"]
    argv += ["-t", _f(plan.duration), "-movflags", "+faststart", "-f", "mp4", target]
    return argv


def run(argv: list[str], cwd: Path, total_frames: int, progress: bool, label: str) -> float:
    """Run ffmpeg with a progress bar; returns wall seconds. Ctrl-C stops ffmpeg too."""
    from tqdm import tqdm

    log_path = cwd / "ffmpeg.log"
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=log, text=True)
        bar = tqdm(
            total=total_frames,
            unit="frame",
            desc=label,
            disable=not progress,
            file=sys.stderr,
            leave=False,
        )
        try:
            done = 0
            for line in proc.stdout:
                if line.startswith("frame="):
                    try:
                        frame = int(line.split("=", 1)[1])
                    except ValueError:
                        continue
                    bar.update(max(0, min(frame, total_frames) - done))
                    done = max(done, min(frame, total_frames))
            rc = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            bar.close()
    if rc != 0:
        noise = ("Terminating thread", "Task finished", "Nothing was written", "Could not open")
        lines = log_path.read_text(errors="replace").strip().splitlines()
        why = [x for x in lines if not any(n in x for n in noise)][:4] or lines[-4:]
        raise StoryboardError(f"ffmpeg failed (exit {rc}) encoding {label}:\n  " + "\n  ".join(why))
    return time.perf_counter() - t0
