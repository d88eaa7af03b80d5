"""Text → paragraphs and sentences, with the heading path (一、 / （一） / 1. / （1）) tracked."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CN = "一二三四五六七八九十"
HEADING_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(r"^\s*[" + _CN + r"]+\s*[、.．]")),
    (2, re.compile(r"^\s*[（(][" + _CN + r"]+[）)]")),
    (3, re.compile(r"^\s*\d+\s*[.．、](?!\d)")),
    (4, re.compile(r"^\s*[（(]\d+[）)]")),
]
_SENTENCE_RE = re.compile(r"[^。！？；;!?]+[。！？；;!?]?")
# a heading line ends at the first 。 or ： (inline heading) or is the whole line when short
_INLINE_HEADING_RE = re.compile(r"^(.{2,40}?)[。：:]")


@dataclass
class Sentence:
    start: int
    end: int
    text: str


@dataclass
class Paragraph:
    index: int
    start: int
    end: int
    text: str
    level: int | None            # heading level if the paragraph starts with a heading marker
    heading: str | None          # its heading text (whole line or the part before 。)
    headings: list[str] = field(default_factory=list)  # enclosing headings, outermost first
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def is_heading_only(self) -> bool:
        return self.heading is not None and self.heading.strip() == self.text.strip()


def heading_level(line: str) -> int | None:
    # 一是 … 二是 … are list items, not headings
    if re.match(r"^\s*[" + _CN + r"]+是", line):
        return None
    for level, pattern in HEADING_PATTERNS:
        if pattern.match(line):
            return level
    return None


def split_paragraphs(text: str) -> list[Paragraph]:
    """Non-empty lines as paragraphs, each with its enclosing headings and its sentences."""
    paragraphs: list[Paragraph] = []
    stack: dict[int, str] = {}
    pos = 0
    for raw in text.split("\n"):
        line_start = pos
        pos += len(raw) + 1
        stripped = raw.strip()
        if not stripped:
            continue
        start = line_start + (len(raw) - len(raw.lstrip()))
        end = start + len(stripped)
        level = heading_level(stripped)
        heading = None
        if level is not None:
            m = _INLINE_HEADING_RE.match(stripped)
            heading = m.group(1) if (m and len(stripped) > 45) else stripped
            if m and len(stripped) <= 45 and m.end() < len(stripped):
                heading = m.group(1)
        enclosing = [stack[k] for k in sorted(stack) if level is None or k < level]
        para = Paragraph(index=len(paragraphs), start=start, end=end, text=stripped, level=level,
                         heading=heading, headings=enclosing)
        for m in _SENTENCE_RE.finditer(stripped):
            s_text = m.group(0).strip()
            if s_text:
                lead = len(m.group(0)) - len(m.group(0).lstrip())
                para.sentences.append(Sentence(start + m.start() + lead,
                                               start + m.start() + lead + len(s_text), s_text))
        paragraphs.append(para)
        if level is not None and heading is not None:
            for k in [k for k in stack if k >= level]:
                del stack[k]
            stack[level] = heading
    return paragraphs
