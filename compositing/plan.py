"""Timing: where every segment, annotation and narration line lands in the film.

All picture times are whole film frames (``Output.fps``), so the encoded duration is exactly the
plan's and a test can name the source frame behind any film frame. A transition into a segment
overlaps it with the end of the previous one (cross-fade or fade through black), shortening the
film by the overlap; a cut does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import StoryboardError
from .frames import FrameSource
from .storyboard import Annotation, NarrationLine, Segment, Storyboard


@dataclass(frozen=True)
class PlannedSegment:
    segment: Segment
    start: int  # first film frame (0-based)
    frames: int
    overlap: int  # film frames shared with the previous segment
    fps: int

    @property
    def end(self) -> int:
        return self.start + self.frames

    @property
    def start_s(self) -> float:
        return self.start / self.fps

    @property
    def end_s(self) -> float:
        return self.end / self.fps


@dataclass(frozen=True)
class PlannedAnnotation:
    annotation: Annotation
    start: float  # seconds in the film
    end: float


@dataclass(frozen=True)
class PlannedNarration:
    line: NarrationLine
    start: float  # seconds in the film
    duration: float

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True)
class Plan:
    fps: int
    total_frames: int
    segments: tuple[PlannedSegment, ...]
    annotations: tuple[PlannedAnnotation, ...]
    narration: tuple[PlannedNarration, ...]
    fade_in: float
    fade_out: float
    notices: tuple[str, ...] = ()  # adjustments worth telling the user (clipped annotations)

    @property
    def duration(self) -> float:
        return self.total_frames / self.fps

    def segment(self, name: str) -> PlannedSegment:
        return next(p for p in self.segments if p.segment.name == name)

    def source_file(self, source: FrameSource, seg: PlannedSegment, k: int) -> Path:
        """The rendered frame behind film frame ``k`` (0-based within ``seg``) of a shot."""
        s = seg.segment
        return source.shots[s.shot].file_at(s.offset + k / self.fps, source.fps)


def check_frames(sb: Storyboard, source: FrameSource) -> None:
    """Every shot the storyboard names exists and has no missing frame range."""
    problems = []
    for i, seg in enumerate(sb.segments):
        if seg.is_card:
            continue
        shot = source.shots.get(seg.shot)
        where = sb.where("segment", i, "shot")
        if shot is None:
            problems.append(
                f"{where}: no shot named {seg.shot!r} in {source.origin} "
                f"(shots: {', '.join(source.shots)})"
            )
            continue
        for a, b in shot.gaps():
            rng = f"frame {a}" if a == b else f"frames {a}-{b}"
            problems.append(
                f"{where}: shot {seg.shot!r} is missing {rng} in {source.folder} "
                "(render them, or `galaxyreel farm resume`)"
            )
        length = shot.length / source.fps
        if seg.offset >= length:
            problems.append(
                f"{sb.where('segment', i, 'offset')}: offset {seg.offset} s is past the end "
                f"of shot {seg.shot!r} ({length:.2f} s)"
            )
    if problems:
        raise StoryboardError.collect(f"{sb.path}: frames do not match the storyboard", problems)


def make_plan(sb: Storyboard, source: FrameSource, narration_durations: list[float]) -> Plan:
    """Place everything; errors (overruns, overlaps) are collected and raised together."""
    fps = sb.output.fps
    problems: list[str] = []
    durations: list[float] = []
    for seg in sb.segments:
        if seg.is_card:
            durations.append(seg.duration or 0.0)
        else:
            shot = source.shots[seg.shot]
            durations.append(
                seg.duration if seg.duration is not None else shot.length / source.fps - seg.offset
            )

    index = {s.name: i for i, s in enumerate(sb.segments)}
    for j, (line, dur) in enumerate(zip(sb.narration, narration_durations, strict=True)):
        i = index[line.segment]
        seg = sb.segments[i]
        end = line.at + dur
        if end > durations[i] + 1e-9:
            if seg.extend:  # hold until the voice is done, and out of the next transition
                nxt = sb.segments[i + 1] if i + 1 < len(sb.segments) else None
                lead = nxt.transition_duration if nxt and nxt.transition != "cut" else 0.0
                durations[i] = end + sb.film.narration_tail + lead
            else:
                problems.append(
                    f"{sb.where('narration', j, 'at')}: narration runs {end - durations[i]:.2f} s "
                    f"past the end of segment {seg.name!r} ({line.at:.2f} s + {dur:.2f} s spoken "
                    f"> {durations[i]:.2f} s); shorten it, start it earlier, or set "
                    f"extend = true on the segment"
                )

    planned: list[PlannedSegment] = []
    start = 0
    for i, (seg, dur) in enumerate(zip(sb.segments, durations, strict=True)):
        frames = max(1, round(dur * fps))
        overlap = 0
        if i > 0 and seg.transition != "cut":
            overlap = round(seg.transition_duration * fps)
            limit = min(frames, planned[-1].frames)
            if overlap >= limit:
                problems.append(
                    f"{sb.where('segment', i, 'transition_duration')}: a "
                    f"{seg.transition_duration} s {seg.transition} needs both segments longer "
                    f"than it ({planned[-1].segment.name!r} and {seg.name!r})"
                )
                overlap = max(0, limit - 1)
        if planned and overlap + planned[-1].overlap > planned[-1].frames:
            problems.append(
                f"{sb.where('segment', i, 'transition_duration')}: segment "
                f"{planned[-1].segment.name!r} is too short for the transitions into and out of "
                "it; shorten them or lengthen the segment"
            )
            overlap = max(0, planned[-1].frames - planned[-1].overlap)
        start = start + (planned[-1].frames - overlap if planned else 0)
        planned.append(PlannedSegment(seg, start, frames, overlap, fps))
    total = planned[-1].end if planned else 0

    by_name = {p.segment.name: p for p in planned}
    notes = []
    clipped: list[str] = []
    for j, a in enumerate(sb.annotations):
        if a.segment is not None:
            p = by_name[a.segment]
            rel = a.at
            what = f"segment {a.segment!r}"
        else:
            p = next(q for q in planned if q.segment.shot == a.shot)
            rel = a.at - p.segment.offset
            what = f"shot {a.shot!r} (as shown by segment {p.segment.name!r})"
            if rel < 0:
                problems.append(
                    f"{sb.where('annotation', j, 'at')}: {a.at} s into {what} is before the "
                    f"segment starts (offset {p.segment.offset} s)"
                )
        seg_len = p.frames / fps
        end = rel + a.duration
        if rel >= seg_len:
            problems.append(
                f"{sb.where('annotation', j, 'at')}: the annotation starts {rel:.2f} s into "
                f"{what}, which is only {seg_len:.2f} s long"
            )
        elif end > seg_len + 1e-9:
            clipped.append(
                f"{sb.where('annotation', j, 'duration')}: shortened by {end - seg_len:.2f} s "
                f"to end with {what}"
            )
            end = seg_len
        notes.append(PlannedAnnotation(a, p.start_s + rel, p.start_s + end))

    voices = []
    for line, dur in zip(sb.narration, narration_durations, strict=True):
        voices.append(PlannedNarration(line, by_name[line.segment].start_s + line.at, dur))
    order = sorted(range(len(voices)), key=lambda k: voices[k].start)
    for a, b in zip(order, order[1:], strict=False):
        if voices[b].start < voices[a].end - 1e-9:
            problems.append(
                f"{sb.where('narration', b, 'at')}: this narration starts "
                f"{voices[a].end - voices[b].start:.2f} s before the previous line "
                f"({sb.where('narration', a)}) has finished"
            )

    first = sb.segments[0] if sb.segments else None
    fade_in = first.transition_duration if first and first.transition == "fade" else sb.film.fade_in
    film_len = total / fps
    if fade_in + sb.film.fade_out > film_len:
        problems.append(
            f"{sb.where('film', None, 'fade_out')}: fades ({fade_in} s in, {sb.film.fade_out} s "
            f"out) are longer than the film ({film_len:.2f} s)"
        )
    if problems:
        raise StoryboardError.collect(f"{sb.path}: the timing does not work", problems)
    return Plan(
        fps,
        total,
        tuple(planned),
        tuple(notes),
        tuple(voices),
        fade_in,
        sb.film.fade_out,
        tuple(clipped),
    )
