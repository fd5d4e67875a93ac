"""Title cards and annotation plates drawn with Pillow (DejaVu Sans by default).

Text is rendered once to PNG and laid over the picture by ffmpeg, so the encode never runs a
Python per-frame compositor. Every line's box comes from the font's own metrics (ascent plus
descent), which keeps the last line of a multi-line block whole (moviepy 2.x ``TextClip``
crops it without an explicit margin).
"""

from __future__ import annotations

from pathlib import Path

from .storyboard import POSITIONS, Style

REFERENCE_LINES = 1080  # style sizes are pixels at this frame height
MARGIN = 0.05  # fraction of the frame kept clear at the edges


def _font(style: Style, scale: float):
    from PIL import ImageFont

    return ImageFont.truetype(str(style.font), max(6, round(style.size * scale)))


def _greedy(words: list[str], font, width: float) -> list[str]:
    lines: list[str] = []
    cur = ""
    for w in words:
        trial = f"{cur} {w}".strip()
        if cur and font.getlength(trial) > width:
            lines.append(cur)
            cur = w
        else:
            cur = trial
    lines.append(cur)
    return lines


def _wrap(text: str, font, width: float) -> list[str]:
    """Wrap each paragraph into as few lines as fit ``width``, balanced: the narrowest width
    that needs no more lines, so a title never leaves one word alone on its last line."""
    out: list[str] = []
    for para in text.split("\n"):
        words = para.split()
        n = len(_greedy(words, font, width))
        lo, hi = 1.0, float(width)
        if n > 1:
            for _ in range(12):
                mid = (lo + hi) / 2
                if len(_greedy(words, font, mid)) <= n:
                    hi = mid
                else:
                    lo = mid
        out.extend(_greedy(words, font, hi))
    return out


def text_block(text: str, style: Style, scale: float, max_width: float):
    """An RGBA image of ``text`` in ``style``, wrapped to ``max_width`` pixels, with its box."""
    from PIL import Image, ImageDraw

    font = _font(style, scale)
    pad = round(style.padding * scale)
    stroke = round(style.stroke * scale)
    lines = _wrap(text, font, max_width - 2 * pad)
    ascent, descent = font.getmetrics()
    step = round(style.size * scale * style.line_spacing)
    widths = [font.getlength(line) for line in lines]
    w = int(max(widths, default=0)) + 2 * pad + 2 * stroke
    h = step * (len(lines) - 1) + ascent + descent + 2 * pad + 2 * stroke
    w, h = w + w % 2, h + h % 2  # even sizes keep 4:2:0 chroma aligned
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if style.box is not None:
        draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=max(2, pad // 2), fill=style.box)
    for i, (line, lw) in enumerate(zip(lines, widths, strict=True)):
        if style.align == "center":
            x = (w - lw) / 2
        elif style.align == "right":
            x = w - pad - stroke - lw
        else:
            x = pad + stroke
        draw.text(
            (x, pad + stroke + i * step),
            line,
            font=font,
            fill=style.color,
            stroke_width=stroke,
            stroke_fill=style.stroke_color,
        )
    return img


def place(position, box: tuple[int, int], frame: tuple[int, int]) -> tuple[int, int]:
    """Top-left pixel of a ``box`` at a named position or at ``(x, y)`` frame fractions."""
    fw, fh = frame
    bw, bh = box
    if isinstance(position, tuple):
        x, y = position[0] * fw, position[1] * fh
    else:
        assert position in POSITIONS
        mx, my = MARGIN * fw, MARGIN * fh
        col = "left" if "left" in position else "right" if "right" in position else "center"
        row = "top" if "top" in position else "bottom" if "bottom" in position else "middle"
        x = {"left": mx, "center": (fw - bw) / 2, "right": fw - mx - bw}[col]
        y = {"top": my, "middle": (fh - bh) / 2, "bottom": fh - my - bh}[row]
    x = min(max(0, int(x)), max(0, fw - bw))
    y = min(max(0, int(y)), max(0, fh - bh))
    return x - x % 2, y - y % 2


def annotation_png(text: str, style: Style, frame: tuple[int, int], out: Path) -> tuple[int, int]:
    """Write the plate to ``out``; returns its size."""
    scale = frame[1] / REFERENCE_LINES
    img = text_block(text, style, scale, max_width=0.45 * frame[0])
    img.save(out)
    return img.size


def card_png(
    title: str,
    subtitle: str,
    lines: tuple[str, ...],
    styles: dict,
    frame: tuple[int, int],
    background: tuple[int, int, int, int],
    out: Path,
) -> None:
    """A full-frame card: title, subtitle and further lines, centred as one block."""
    from PIL import Image

    scale = frame[1] / REFERENCE_LINES
    card = Image.new("RGB", frame, background[:3])
    blocks = []
    for text, style in ((title, "title"), (subtitle, "subtitle"), ("\n".join(lines), "card_text")):
        if text.strip():
            blocks.append(text_block(text, styles[style], scale, max_width=0.8 * frame[0]))
    gap = round(28 * scale)
    total = sum(b.size[1] for b in blocks) + gap * max(0, len(blocks) - 1)
    y = (frame[1] - total) // 2
    for b in blocks:
        card.paste(b, ((frame[0] - b.size[0]) // 2, y), b)
        y += b.size[1] + gap
    card.save(out)
