"""The storyboard (``storyboard.toml``): what the film shows, says and sounds like.

Format and every key: ``docs/storyboard.md``. :func:`load_storyboard` checks the whole file
before anything is rendered or encoded and raises one :class:`StoryboardError` listing every
problem as ``file:line: table, key: problem``. tomllib keeps no positions, so a small scanner
(:func:`key_lines`) maps each table and key back to its line.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import StoryboardError
from .fonts import DEFAULT_FONT, close_fonts, resolve_font

TRANSITIONS = ("cut", "crossfade", "fade")
POSITIONS = (
    "top-left",
    "top",
    "top-right",
    "left",
    "center",
    "right",
    "bottom-left",
    "bottom",
    "bottom-right",
)
PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)
VOICE_ENGINES = ("espeak-ng", "command")
MUSIC_GENERATORS = ("pad",)
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".m4a", ".aac", ".opus")


@dataclass(frozen=True)
class Output:
    size: tuple[int, int] | None = None  # None: the rendered frames' resolution
    fps: int = 24
    crf: int = 18
    preset: str = "medium"
    audio_rate: int = 48000
    audio_bitrate: str = "192k"
    loudness: float = -16.0  # LUFS, integrated
    true_peak: float = -1.5  # dBTP ceiling of the mix


@dataclass(frozen=True)
class Style:
    """Text style; ``size``, ``padding`` and ``stroke`` are pixels at 1080 lines (scaled)."""

    font: Path
    size: float = 40.0
    color: tuple[int, int, int, int] = (255, 255, 255, 255)
    box: tuple[int, int, int, int] | None = None
    padding: float = 12.0
    stroke: float = 0.0
    stroke_color: tuple[int, int, int, int] = (0, 0, 0, 255)
    align: str = "left"
    line_spacing: float = 1.25


@dataclass(frozen=True)
class Segment:
    """A stretch of the film: frames of a shot, or a card (title, subtitle, lines)."""

    name: str
    shot: str | None = None
    title: str = ""
    subtitle: str = ""
    lines: tuple[str, ...] = ()
    duration: float | None = None  # seconds; None = the shot's length
    offset: float = 0.0  # seconds into the shot where the segment starts
    transition: str = "cut"  # into this segment from the previous one
    transition_duration: float = 1.0
    extend: bool = False  # hold the last frame when narration runs past the end
    line: int = 0

    @property
    def is_card(self) -> bool:
        return self.shot is None


@dataclass(frozen=True)
class Annotation:
    text: str
    at: float  # seconds from the anchor's start
    duration: float
    segment: str | None = None
    shot: str | None = None  # anchor to shot-relative time instead
    position: str | tuple[float, float] = "top-left"
    style: str = "annotation"
    fade: float = 0.25
    line: int = 0


@dataclass(frozen=True)
class Voice:
    engine: str = "espeak-ng"
    name: str = "en-us"
    speed: int = 150  # words per minute (espeak-ng)
    pitch: int = 45
    command: tuple[str, ...] = ()  # engine "command": argv with {out} and optionally {text}


@dataclass(frozen=True)
class NarrationLine:
    segment: str
    at: float
    text: str = ""  # spoken (unless ``say``) and captioned
    say: str = ""  # what the voice speaks, when the caption's spelling reads badly (t-SNE)
    audio: Path | None = None
    gain: float = 0.0  # dB
    line: int = 0


@dataclass(frozen=True)
class Music:
    file: Path | None = None
    generate: str | None = "pad"
    level: float = -18.0  # dB relative to the narration, before loudness normalisation
    duck: float = -12.0  # dB under speech
    attack: float = 0.25  # seconds to duck before speech starts
    release: float = 0.6  # seconds to recover after it ends
    fade_in: float = 1.0
    fade_out: float = 2.0
    seed: int = 0


@dataclass(frozen=True)
class Film:
    title: str = ""
    fade_in: float = 0.5
    fade_out: float = 1.0
    background: tuple[int, int, int, int] = (5, 7, 13, 255)
    narration_tail: float = 0.4  # silence kept after a narration line when a segment extends


@dataclass(frozen=True)
class Storyboard:
    path: Path
    film: Film
    output: Output
    voice: Voice
    music: Music
    styles: dict
    segments: tuple[Segment, ...]
    annotations: tuple[Annotation, ...] = ()
    narration: tuple[NarrationLine, ...] = ()
    render_fps: float | None = None
    key_lines: dict = field(default_factory=dict, repr=False, compare=False)

    def where(self, table: str, index: int | None = None, key: str | None = None) -> str:
        """``file:line: table #n, key`` for messages about this storyboard."""
        return _where(self.path, self.key_lines, table, index, key)

    def segment(self, name: str) -> Segment | None:
        return next((s for s in self.segments if s.name == name), None)

    def with_size(self, size: tuple[int, int]) -> Storyboard:
        return dataclasses.replace(self, output=dataclasses.replace(self.output, size=size))

    def preview(self) -> Storyboard:
        """Small and fast: at most 640 px wide, x264 ultrafast, lighter audio."""
        w, h = self.output.size or (640, 360)
        scale = min(1.0, 640 / w)
        size = (max(2, int(w * scale) // 2 * 2), max(2, int(h * scale) // 2 * 2))
        out = dataclasses.replace(
            self.output, size=size, crf=28, preset="ultrafast", audio_bitrate="128k"
        )
        return dataclasses.replace(self, output=out)


# --------------------------------------------------------------------------- line scanner


def key_lines(text: str) -> dict[tuple, int]:
    """Line numbers of tables and keys: ``(table, index or None, key or None) -> line``.

    ``index`` counts ``[[array]]`` tables from 0. Handles comments, multi-line arrays and
    strings well enough for storyboards; a key it cannot place falls back to its table's line.
    """
    lines: dict[tuple, int] = {}
    counts: dict[str, int] = {}
    table, index = "", None
    depth = 0
    ml: str | None = None
    for no, raw in enumerate(text.splitlines(), 1):
        s = _strip_strings(raw)
        if ml is not None:
            if ml in raw:
                ml = None
            continue
        if depth > 0:
            depth += s.count("[") + s.count("{") - s.count("]") - s.count("}")
            continue
        s = s.split("#", 1)[0].strip()
        if not s:
            continue
        if m := re.match(r"\[\[\s*([^\]]+?)\s*\]\]$", s):
            table = m[1].replace('"', "")
            index = counts.get(table, 0)
            counts[table] = index + 1
            lines[(table, index, None)] = no
            continue
        if m := re.match(r"\[\s*([^\]]+?)\s*\]$", s):
            table, index = m[1].replace('"', ""), None
            lines[(table, None, None)] = no
            continue
        if m := re.match(r"([A-Za-z0-9_\-.\"' ]+?)\s*=(.*)$", s):
            key = m[1].strip().replace('"', "").replace("'", "")
            lines.setdefault((table, index, key), no)
            rest = raw.split("=", 1)[1]
            for q in ('"""', "'''"):
                if rest.count(q) == 1:
                    ml = q
            if ml is None:
                depth = m[2].count("[") + m[2].count("{") - m[2].count("]") - m[2].count("}")
    return lines


def _strip_strings(line: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', '""', line)


def _where(path, lines, table, index=None, key=None) -> str:
    no = None
    if key is not None:
        no = lines.get((table, index, key))
    if no is None:
        no = lines.get((table, index, None))
    label = table if index is None else f"[[{table}]] #{index + 1}"
    if key is not None:
        label += f", {key}"
    return f"{path}:{no}: {label}" if no else f"{path}: {label}"


# --------------------------------------------------------------------------- validation


class _Reader:
    """Typed access to one table, recording problems instead of stopping at the first."""

    def __init__(self, doc: _Doc, table: str, index: int | None, data, allowed: tuple[str, ...]):
        self.doc, self.table, self.index = doc, table, index
        self.data = data if isinstance(data, dict) else {}
        if not isinstance(data, dict):
            self.bad(None, "must be a table")
        for key in self.data:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                tip = f" (did you mean {hint[0]!r}?)" if hint else ""
                self.bad(key, f"unknown key{tip}; allowed: {', '.join(allowed)}")

    def bad(self, key: str | None, problem: str) -> None:
        self.doc.problems.append(
            f"{_where(self.doc.path, self.doc.lines, self.table, self.index, key)}: {problem}"
        )

    def line(self) -> int:
        return self.doc.lines.get((self.table, self.index, None), 0)

    def get(self, key, kind, default=None, *, required=False, check=None, what=None):
        if key not in self.data:
            if required:
                self.bad(key, "is required")
            return default
        value = self.data[key]
        ok = _is(value, kind)
        if not ok:
            self.bad(key, f"must be {what or _kind_name(kind)}, got {value!r}")
            return default
        if kind is float:
            value = float(value)
        if check is not None:
            problem = check(value)
            if problem:
                self.bad(key, problem)
                return default
        return value

    def seconds(self, key, default=None, *, required=False, positive=False):
        def check(v):
            if v < 0:
                return f"must not be negative, got {v}"
            if positive and v == 0:
                return "must be greater than 0"
            return None

        return self.get(key, float, default, required=required, check=check, what="seconds")

    def color(self, key, default):
        value = self.get(key, str, None, what='a colour "#rrggbb" or "#rrggbbaa"')
        if value is None:
            return default
        c = parse_color(value)
        if c is None:
            self.bad(key, f'must be a colour "#rrggbb" or "#rrggbbaa", got {value!r}')
            return default
        return c

    def choice(self, key, options, default):
        return self.get(
            key,
            str,
            default,
            check=lambda v: None if v in options else f"must be one of {', '.join(options)}",
        )


@dataclass
class _Doc:
    path: Path
    lines: dict
    problems: list = field(default_factory=list)


def _is(value, kind) -> bool:
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is list:
        return isinstance(value, list)
    return isinstance(value, kind)


def _kind_name(kind) -> str:
    return {float: "a number", int: "an integer", str: "a string", bool: "true or false"}.get(
        kind, "a list"
    )


def parse_color(value: str) -> tuple[int, int, int, int] | None:
    m = re.fullmatch(r"#([0-9a-fA-F]{6})([0-9a-fA-F]{2})?", value.strip())
    if not m:
        return None
    rgb = bytes.fromhex(m[1])
    a = int(m[2], 16) if m[2] else 255
    return (rgb[0], rgb[1], rgb[2], a)


_DEFAULT_STYLES = {
    "title": dict(font="DejaVu Sans Bold", size=84, align="center"),
    "subtitle": dict(font="DejaVu Sans", size=42, color="#c8d2e6", align="center"),
    "card_text": dict(font="DejaVu Sans", size=32, color="#9aa6bd", align="center"),
    "annotation": dict(font="DejaVu Sans", size=36, box="#050a14b4", padding=14),
    "caption": dict(font="DejaVu Sans", size=52, stroke=3, align="center"),
}
_STYLE_KEYS = ("font", "size", "color", "box", "padding", "stroke", "stroke_color", "align")


def _style(r: _Reader, base: dict, storyboard_dir: Path) -> Style | None:
    spec = r.get("font", str, base.get("font", DEFAULT_FONT))
    font = resolve_font(spec, storyboard_dir)
    if font is None:
        hint = close_fonts(spec)
        r.bad(
            "font",
            f"font {spec!r} not found (a .ttf/.otf path, or a name such as 'DejaVu Sans Bold')"
            + (f"; close: {', '.join(hint)}" if hint else ""),
        )
        return None
    box = r.get("box", str, base.get("box"))
    box_c = None
    if box is not None and box != "none":
        box_c = parse_color(box)
        if box_c is None:
            r.bad("box", f'must be a colour "#rrggbbaa" or "none", got {box!r}')
    pos = lambda v: None if v > 0 else "must be greater than 0"  # noqa: E731
    return Style(
        font=font,
        size=r.get("size", float, float(base.get("size", 40)), check=pos),
        color=r.color("color", parse_color(base.get("color", "#ffffff"))),
        box=box_c,
        padding=r.get("padding", float, float(base.get("padding", 12))),
        stroke=r.get("stroke", float, float(base.get("stroke", 0))),
        stroke_color=r.color("stroke_color", parse_color(base.get("stroke_color", "#000000"))),
        align=r.choice("align", ("left", "center", "right"), base.get("align", "left")),
    )


def load_storyboard(path: Path) -> Storyboard:
    """Read and check a storyboard; one :class:`StoryboardError` lists every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StoryboardError(f"{path}: cannot read the storyboard: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise StoryboardError(f"{path}: the storyboard is not UTF-8 text") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StoryboardError(f"{path}: not valid TOML: {exc}") from exc
    doc = _Doc(path, key_lines(text))
    base = path.parent
    top = _Reader(
        doc,
        "",
        None,
        raw,
        (
            "film",
            "output",
            "frames",
            "voice",
            "music",
            "style",
            "segment",
            "annotation",
            "narration",
        ),
    )

    r = _Reader(
        doc,
        "film",
        None,
        raw.get("film", {}),
        ("title", "fade_in", "fade_out", "background", "narration_tail"),
    )
    film = Film(
        title=r.get("title", str, ""),
        fade_in=r.seconds("fade_in", 0.5),
        fade_out=r.seconds("fade_out", 1.0),
        background=r.color("background", Film.background),
        narration_tail=r.seconds("narration_tail", 0.4),
    )

    r = _Reader(
        doc,
        "output",
        None,
        raw.get("output", {}),
        tuple(f.name for f in dataclasses.fields(Output)),
    )
    size = r.get(
        "size",
        list,
        None,
        check=lambda v: (
            None
            if len(v) == 2 and all(_is(x, int) and x >= 16 and x % 2 == 0 for x in v)
            else "must be [width, height], even integers >= 16"
        ),
    )
    output = Output(
        size=(int(size[0]), int(size[1])) if size else None,
        fps=r.get("fps", int, 24, check=lambda v: None if 1 <= v <= 120 else "must be 1..120"),
        crf=r.get("crf", int, 18, check=lambda v: None if 0 <= v <= 51 else "must be 0..51"),
        preset=r.choice("preset", PRESETS, "medium"),
        audio_rate=r.get(
            "audio_rate",
            int,
            48000,
            check=lambda v: None if v in (22050, 32000, 44100, 48000) else "22050..48000 Hz",
        ),
        audio_bitrate=r.get(
            "audio_bitrate",
            str,
            "192k",
            check=lambda v: None if re.fullmatch(r"\d+k", v) else 'must look like "192k"',
        ),
        loudness=r.get(
            "loudness", float, -16.0, check=lambda v: None if -40 <= v <= -5 else "LUFS, -40..-5"
        ),
        true_peak=r.get(
            "true_peak", float, -1.5, check=lambda v: None if -9 <= v <= 0 else "dBTP, -9..0"
        ),
    )

    r = _Reader(doc, "frames", None, raw.get("frames", {}), ("render_fps",))
    render_fps = r.get(
        "render_fps", float, None, check=lambda v: None if v > 0 else "must be greater than 0"
    )

    r = _Reader(
        doc, "voice", None, raw.get("voice", {}), ("engine", "name", "speed", "pitch", "command")
    )
    engine = r.choice("engine", VOICE_ENGINES, "espeak-ng")
    command = r.get(
        "command",
        list,
        [],
        check=lambda v: None if all(isinstance(x, str) for x in v) else "must be a list of strings",
    )
    if engine == "command" and not any("{out}" in c for c in command):
        r.bad("command", 'engine "command" needs an argv list containing "{out}"')
    voice = Voice(
        engine=engine,
        name=r.get("name", str, "en-us"),
        speed=r.get("speed", int, 150, check=lambda v: None if 80 <= v <= 450 else "80..450"),
        pitch=r.get("pitch", int, 45, check=lambda v: None if 0 <= v <= 99 else "0..99"),
        command=tuple(command),
    )

    r = _Reader(
        doc,
        "music",
        None,
        raw.get("music", {}),
        tuple(f.name for f in dataclasses.fields(Music)),
    )
    mfile = r.get("file", str, None)
    mpath = _audio_path(r, "file", mfile, base) if mfile else None
    music = Music(
        file=mpath,
        generate=None
        if mfile
        else r.get(
            "generate",
            str,
            "pad",
            check=lambda v: (
                None
                if v in (*MUSIC_GENERATORS, "none")
                else f"must be one of {', '.join((*MUSIC_GENERATORS, 'none'))}"
            ),
        ),
        level=r.get("level", float, -18.0),
        duck=r.get("duck", float, -12.0, check=lambda v: None if v <= 0 else "dB, <= 0"),
        attack=r.seconds("attack", 0.25),
        release=r.seconds("release", 0.6),
        fade_in=r.seconds("fade_in", 1.0),
        fade_out=r.seconds("fade_out", 2.0),
        seed=r.get("seed", int, 0),
    )
    if music.generate == "none":
        music = dataclasses.replace(music, generate=None)

    styles_raw = raw.get("style", {})
    r = _Reader(doc, "style", None, styles_raw, tuple(set(_DEFAULT_STYLES) | set(styles_raw)))
    styles: dict[str, Style] = {}
    for name in sorted(
        set(_DEFAULT_STYLES) | set(styles_raw if isinstance(styles_raw, dict) else {})
    ):
        sub = styles_raw.get(name, {}) if isinstance(styles_raw, dict) else {}
        sr = _Reader(doc, f"style.{name}", None, sub, _STYLE_KEYS)
        st = _style(sr, _DEFAULT_STYLES.get(name, _DEFAULT_STYLES["annotation"]), base)
        if st is not None:
            styles[name] = st

    segments = _segments(doc, raw.get("segment"), top)
    names = {s.name for s in segments}
    shots = {s.shot for s in segments if s.shot}

    annotations = []
    for i, a in enumerate(_array(raw, "annotation", top)):
        r = _Reader(
            doc,
            "annotation",
            i,
            a,
            ("text", "segment", "shot", "at", "duration", "position", "style", "fade"),
        )
        seg, shot = r.get("segment", str), r.get("shot", str)
        if (seg is None) == (shot is None):
            r.bad(None, "needs exactly one anchor: segment = NAME or shot = NAME")
        elif seg is not None and seg not in names:
            r.bad("segment", f"no segment named {seg!r} (segments: {', '.join(sorted(names))})")
        elif shot is not None and shot not in shots:
            r.bad("shot", f"no segment shows shot {shot!r} (shots: {', '.join(sorted(shots))})")
        style = r.get("style", str, "annotation")
        if style not in styles and style not in _DEFAULT_STYLES:
            r.bad("style", f"no style named {style!r} (styles: {', '.join(sorted(styles))})")
        annotations.append(
            Annotation(
                text=r.get("text", str, "", required=True, check=_nonempty),
                at=r.seconds("at", 0.0),
                duration=r.seconds("duration", 4.0, positive=True),
                segment=seg,
                shot=shot,
                position=_position(r),
                style=style,
                fade=r.seconds("fade", 0.25),
                line=r.line(),
            )
        )

    narration = []
    for i, n in enumerate(_array(raw, "narration", top)):
        r = _Reader(doc, "narration", i, n, ("segment", "at", "text", "say", "audio", "gain"))
        seg = r.get("segment", str, "", required=True)
        if seg and seg not in names:
            r.bad("segment", f"no segment named {seg!r} (segments: {', '.join(sorted(names))})")
        text = r.get("text", str, "")
        audio = r.get("audio", str, None)
        if not text.strip() and audio is None:
            r.bad(None, "needs text (spoken by the voice), audio (a recording), or both")
        narration.append(
            NarrationLine(
                segment=seg,
                at=r.seconds("at", 0.5),
                text=text.strip(),
                say=r.get("say", str, "").strip(),
                audio=_audio_path(r, "audio", audio, base) if audio else None,
                gain=r.get("gain", float, 0.0),
                line=r.line(),
            )
        )

    if doc.problems:
        raise StoryboardError.collect(f"{path}: invalid storyboard", doc.problems)
    return Storyboard(
        path=path,
        film=film,
        output=output,
        voice=voice,
        music=music,
        styles=styles,
        segments=tuple(segments),
        annotations=tuple(annotations),
        narration=tuple(narration),
        render_fps=render_fps,
        key_lines=doc.lines,
    )


def _nonempty(v: str):
    return None if v.strip() else "must not be empty"


def _array(raw: dict, key: str, top: _Reader) -> list:
    value = raw.get(key, [])
    if not isinstance(value, list):
        top.bad(key, f"must be an array of tables: [[{key}]]")
        return []
    return value


def _audio_path(r: _Reader, key: str, value: str, base: Path) -> Path | None:
    p = Path(value).expanduser()
    if not p.is_absolute():
        p = base / p
    if not p.is_file():
        r.bad(key, f"audio file {str(p)!r} does not exist")
        return None
    if p.suffix.lower() not in AUDIO_SUFFIXES:
        r.bad(key, f"{p.name}: not an audio file type we decode ({', '.join(AUDIO_SUFFIXES)})")
        return None
    return p


def _position(r: _Reader):
    value = r.data.get("position", "top-left")
    if isinstance(value, str) and value in POSITIONS:
        return value
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(_is(x, float) and 0 <= x <= 1 for x in value)
    ):
        return (float(value[0]), float(value[1]))
    r.bad(
        "position",
        f"must be one of {', '.join(POSITIONS)} or [x, y] fractions of the frame, got {value!r}",
    )
    return "top-left"


def _segments(doc: _Doc, value, top: _Reader) -> list[Segment]:
    if not isinstance(value, list) or not value:
        top.bad("segment", "the storyboard needs at least one [[segment]]")
        return []
    out: list[Segment] = []
    seen: dict[str, int] = {}
    for i, s in enumerate(value):
        r = _Reader(
            doc,
            "segment",
            i,
            s,
            (
                "name",
                "shot",
                "title",
                "subtitle",
                "lines",
                "duration",
                "offset",
                "transition",
                "transition_duration",
                "extend",
            ),
        )
        shot = r.get("shot", str)
        title = r.get("title", str, "")
        lines = r.get(
            "lines",
            list,
            [],
            check=lambda v: (
                None if all(isinstance(x, str) for x in v) else "must be a list of strings"
            ),
        )
        if shot is not None and (title or lines or "subtitle" in r.data):
            r.bad("shot", "a segment shows a shot or is a card (title/subtitle/lines), not both")
        if shot is None and not (title or lines or r.data.get("subtitle")):
            r.bad(None, "needs shot = NAME, or a card's title / subtitle / lines")
        duration = r.seconds("duration", None, positive=True)
        if shot is None and duration is None and "duration" not in r.data:
            r.bad("duration", "a card needs a duration (seconds)")
        name = r.get("name", str, shot or f"card-{i + 1}")
        if name in seen:
            r.bad("name", f"two segments are named {name!r}; give one a distinct name = ...")
        seen[name] = i
        transition = r.choice("transition", TRANSITIONS, "cut")
        if i == 0 and transition == "crossfade":
            r.bad("transition", "the first segment has nothing to cross-fade from (use fade)")
        out.append(
            Segment(
                name=name,
                shot=shot,
                title=title,
                subtitle=r.get("subtitle", str, ""),
                lines=tuple(lines),
                duration=duration,
                offset=r.seconds("offset", 0.0),
                transition=transition,
                transition_duration=r.seconds("transition_duration", 1.0, positive=True),
                extend=r.get("extend", bool, False),
                line=r.line(),
            )
        )
    return out
