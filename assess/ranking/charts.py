"""Small server-side charts as inline SVG (no script; presentation attributes only, so CSP allows them).

Each function returns ``Markup`` of an ``<svg role="img">`` with a ``<title>``; pages show the numbers in a
table beside every chart.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Sequence

from markupsafe import Markup, escape

PALETTE = ["#b3261e", "#1f5fa8", "#2e7d32", "#b26a00", "#6a3d9a", "#00838f", "#5d4037", "#ad1457"]


def _f(x) -> str:
    return f"{float(x):.1f}"


def bar_chart(title: str, labels: Sequence[str], values: Sequence[Decimal | int | float], *, width: int = 520,
              unit: str = "", max_value=None, color: str = "#1f5fa8") -> Markup:
    """Horizontal bars, one per label."""
    n = max(len(labels), 1)
    row, left, top = 22, 150, 24
    height = top + n * row + 10
    vmax = float(max_value if max_value is not None else max([float(v) for v in values] + [1]))
    vmin = min([float(v) for v in values] + [0.0])
    span = (vmax - vmin) or 1.0
    plot = width - left - 60
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>",
             f'<text x="0" y="15" font-size="13" font-weight="bold">{escape(title)}</text>']
    zero_x = left + (0 - vmin) / span * plot
    for i, (label, v) in enumerate(zip(labels, values)):
        y = top + i * row
        fv = float(v)
        x0 = min(zero_x, left + (fv - vmin) / span * plot)
        w = abs(fv) / span * plot
        fill = color if fv >= 0 else "#b3261e"
        parts.append(f'<text x="{left - 6}" y="{y + 14}" font-size="12" text-anchor="end">{escape(str(label)[:14])}</text>')
        parts.append(f'<rect x="{_f(x0)}" y="{y + 3}" width="{_f(max(w, 0.5))}" height="{row - 7}" fill="{fill}"/>')
        parts.append(f'<text x="{_f(x0 + w + 4)}" y="{y + 14}" font-size="11">{escape(_num(v))}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def grouped_bars(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal]]], *,
                 max_value=None, width: int = 560) -> Markup:
    """Vertical grouped bars: one group per label, one bar per series (with a legend)."""
    n, k = max(len(labels), 1), max(len(series), 1)
    height, top, bottom, left = 240, 40, 40, 36
    plot_w, plot_h = width - left - 10, height - top - bottom
    vmax = float(max_value or max([float(v) for _, vs in series for v in vs] + [1]))
    slot = plot_w / n
    bar = max(slot * 0.8 / k, 2)
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>",
             f'<text x="0" y="15" font-size="13" font-weight="bold">{escape(title)}</text>']
    for s, (name, _vals) in enumerate(series):
        lx = left + s * 140
        parts.append(f'<rect x="{lx}" y="22" width="10" height="10" fill="{PALETTE[s % len(PALETTE)]}"/>'
                     f'<text x="{lx + 14}" y="31" font-size="11">{escape(name)}</text>')
    base_y = top + plot_h
    parts.append(f'<line x1="{left}" y1="{base_y}" x2="{width - 10}" y2="{base_y}" stroke="#999"/>')
    for i, label in enumerate(labels):
        x = left + i * slot + slot * 0.1
        for s, (_name, vals) in enumerate(series):
            v = max(float(vals[i]), 0.0)
            h = v / vmax * plot_h
            parts.append(f'<rect x="{_f(x + s * bar)}" y="{_f(base_y - h)}" width="{_f(bar - 1)}" height="{_f(h)}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(label)} {escape(_name)}：'
                         f'{escape(_num(vals[i]))}</title></rect>')
        parts.append(f'<text x="{_f(left + i * slot + slot / 2)}" y="{base_y + 16}" font-size="11" '
                     f'text-anchor="middle">{escape(str(label)[:8])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def heatmap(title: str, rows: Sequence[str], cols: Sequence[str], values: Sequence[Sequence[float | None]]) -> Markup:
    """Cells shaded by value in 0..1 (share of the indicator's points); None = no score."""
    cell, left, top = 16, 120, 40
    width = left + max(len(cols), 1) * cell + 10
    height = top + max(len(rows), 1) * cell + 10
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>",
             f'<text x="0" y="15" font-size="13" font-weight="bold">{escape(title)}</text>']
    for j, c in enumerate(cols):
        parts.append(f'<text x="{left + j * cell + 3}" y="{top - 4}" font-size="8">{escape(c)}</text>')
    for i, r in enumerate(rows):
        y = top + i * cell
        parts.append(f'<text x="{left - 4}" y="{y + 12}" font-size="10" text-anchor="end">{escape(str(r)[:10])}</text>')
        for j, v in enumerate(values[i]):
            if v is None:
                fill = "#eeeeee"
            else:
                # red (low) → white → green (full)
                v = max(0.0, min(1.0, float(v)))
                red = 255 if v < 0.5 else int(255 - (v - 0.5) * 2 * 180)
                green = int(80 + v * 2 * 175) if v < 0.5 else 255
                blue = int(80 + v * 2 * 175) if v < 0.5 else int(255 - (v - 0.5) * 2 * 180)
                fill = f"#{red:02x}{min(green, 255):02x}{min(blue, 255):02x}"
            parts.append(f'<rect x="{left + j * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" fill="{fill}">'
                         f'<title>{escape(r)} {escape(cols[j])}：{"—" if v is None else f"{v:.0%}"}</title></rect>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _num(v) -> str:
    if isinstance(v, Decimal):
        s = format(v.normalize(), "f") if v == v.to_integral_value() else format(v, "f")
        return s.rstrip("0").rstrip(".") if "." in s else s
    if isinstance(v, float):
        return f"{v:.2f}".rstrip("0").rstrip(".")
    return str(v)
