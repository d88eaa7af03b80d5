"""PDF rendering benchmark: official documents vs. the same text as plain HTML.

    python -m bench.pdf_bench [--departments 1000] [--notices 200] [--jobs N] [--out DIR]

Renders the results circular of a campaign with ``--departments`` units (its ranking table
runs over tens of pages) and ``--notices`` rectification notices, through
:func:`assess.documents.render.render_pdf`. Then WeasyPrint renders an *equivalent plain
page set*: the same HTML text (same characters, same table cells) without our stylesheet,
images or page furniture, only a CJK font named so both sides shape the same glyphs. The
ratio says what the official layout (GB/T 9704 grid, red header, seal, QR, margin boxes,
版记, bordered tables) costs on top of WeasyPrint's own work.

Work is spread over ``--jobs`` processes (default: all cores) because one WeasyPrint
render is single-threaded; each phase gets fresh worker processes so its peak memory
(``ru_maxrss`` of the largest worker) is its own. Both sides reuse one FontConfiguration
per process (without that, plain rendering alone grew workers past 1.5 GiB). CPU seconds
are reported next to wall time because a shared machine's load moves wall time a lot; the
ratios are computed from CPU time.

The plain baseline renders the circular and an evenly spread sample of the notices
(``--plain-notices``, default 50): a notice's cost hardly varies, so the sample gives the
per-page rate while keeping the whole run under two minutes on two idle cores.

Figures seen (2026-11-21, 2 cores shared with other test runs, load average 7–12):
official circular 36 pages in 15.9 CPU-s (2.3 pages/CPU-s), 200 notices 600 pages in
94 CPU-s (6.4 pages/CPU-s, 0.44 CPU-s median per 3-page notice); plain baseline 1.9 and
5.9 pages/CPU-s; whole set 110 CPU-s official vs 86 CPU-s plain (1.28x); peak worker RSS
472 MiB official, 489 MiB plain. About 145 CPU-s in all, i.e. ~75 s on two idle cores;
wall time that day was 654 s because of the load. Most of a notice's fixed cost is
WeasyPrint's font work (reading the .ttc blobs and harfbuzz CFF subsetting, 3 faces).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import re
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# Plain pages: no GB/T 9704 styling; only the font is named so CJK text is shaped with the
# same family (generic serif would be DejaVu plus fallback lookups).
PLAIN_CSS = '@page { size: A4; } html { font-family: "Noto Serif CJK SC"; }'
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_STYLE_ATTR = re.compile(r'\s(?:style|class)="[^"]*"')


@dataclasses.dataclass(frozen=True)
class Task:
    kind: str  # "circular" | "notice"
    arg: int  # departments for the circular, notice index for notices
    plain: bool


@dataclasses.dataclass(frozen=True)
class Result:
    kind: str
    pages: int
    size: int
    cpu: float
    wall: float
    maxrss_kib: int


def _html_and_template(task: Task) -> tuple[str, dict[str, object]]:
    from assess.documents.samples import sample_circular, sample_notice

    if task.kind == "circular":
        return "circular.html", {"doc": sample_circular(task.arg)}
    notice = sample_notice(3 + task.arg % 6)
    names = ("县教育局", "县民政局", "县财政局", "县交通运输局", "县卫生健康局", "青石镇", "白水乡")
    dept = names[task.arg % len(names)]
    notice = dataclasses.replace(notice, department=dept,
                                 title=f"关于{dept}政务公开问题整改的通知")
    return "notice.html", {"doc": notice}


def _plain_html(official_html: str) -> str:
    """Same text and table cells, without images, classes, inline styles or stylesheet."""
    return _STYLE_ATTR.sub("", _IMG.sub("", official_html))


def _warm() -> None:
    """Per-process set-up (fonts, parsed CSS) is not what we measure: do it once up front."""
    from weasyprint import CSS, HTML

    from assess.documents.render import render_pdf
    from assess.documents.samples import sample_notice

    render_pdf("notice.html", {"doc": sample_notice(1)})
    HTML(string="<p lang=zh-CN>预热</p>").write_pdf(stylesheets=[CSS(string=PLAIN_CSS)])


_PLAIN: dict[str, object] = {}


def _run(task: Task, out_dir: str | None) -> Result:
    import pypdf
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from assess.documents.render import render_html, render_pdf

    template, context = _html_and_template(task)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if task.plain:
        if not _PLAIN:
            _PLAIN["fonts"] = FontConfiguration()
            _PLAIN["css"] = CSS(string=PLAIN_CSS, font_config=_PLAIN["fonts"])
        html = _plain_html(render_html(template, context))
        pdf = HTML(string=html).write_pdf(stylesheets=[_PLAIN["css"]], font_config=_PLAIN["fonts"])
    else:
        pdf = render_pdf(template, context)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    assert pdf is not None
    if out_dir and (task.kind == "circular" or task.arg < 3):
        name = f"{'plain' if task.plain else 'official'}-{task.kind}-{task.arg}.pdf"
        Path(out_dir, name).write_bytes(pdf)
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return Result(task.kind, pages, len(pdf), cpu, wall, rss)


@dataclasses.dataclass
class Phase:
    label: str
    results: list[Result]
    wall: float

    def of(self, kind: str) -> list[Result]:
        return [r for r in self.results if r.kind == kind]

    def pages(self, kind: str | None = None) -> int:
        return sum(r.pages for r in (self.of(kind) if kind else self.results))

    def cpu(self, kind: str | None = None) -> float:
        return sum(r.cpu for r in (self.of(kind) if kind else self.results))

    @property
    def peak_mib(self) -> float:
        return max(r.maxrss_kib for r in self.results) / 1024


def _phase(label: str, tasks: list[Task], jobs: int, out_dir: str | None) -> Phase:
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs, initializer=_warm) as pool:
        # The circular first: it is the longest single task, so it must not start last.
        futures = [pool.submit(_run, t, out_dir) for t in tasks]
        results = [f.result() for f in futures]
    return Phase(label, results, time.perf_counter() - start)


def _rate(pages: int, seconds: float) -> str:
    return f"{pages / seconds:6.1f}" if seconds > 0 else "   n/a"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--departments", type=int, default=1000)
    parser.add_argument("--notices", type=int, default=200)
    parser.add_argument("--plain-notices", type=int, default=50,
                        help="notices in the plain baseline sample (default 50)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", help="folder to write a few sample PDFs into")
    args = parser.parse_args(argv)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)

    n_plain = min(args.plain_notices, args.notices)
    step = args.notices / n_plain if n_plain else 1
    official_tasks = [Task("circular", args.departments, False),
                      *(Task("notice", i, False) for i in range(args.notices))]
    plain_tasks = [Task("circular", args.departments, True),
                   *(Task("notice", int(k * step), True) for k in range(n_plain))]

    load = os.getloadavg()
    t0 = time.perf_counter()
    official = _phase("official", official_tasks, args.jobs, args.out)
    plain = _phase("plain", plain_tasks, args.jobs, args.out)
    total = time.perf_counter() - t0

    print(f"PDF bench: circular of {args.departments} departments + {args.notices} notices "
          f"(plain baseline: circular + {n_plain} notices), {args.jobs} worker process(es), "
          f"load average at start {load[0]:.1f}")
    print(f"{'':30}{'docs':>5}{'pages':>7}{'CPU s':>8}{'pages/CPU-s':>13}{'wall s':>8}{'pages/s':>9}")

    def line(label: str, results: list[Result], wall: float | None = None) -> None:
        pages, cpu = sum(r.pages for r in results), sum(r.cpu for r in results)
        tail = f"{wall:8.1f}{_rate(pages, wall):>9}" if wall is not None else ""
        print(f"{label:30}{len(results):5d}{pages:7d}{cpu:8.1f}{_rate(pages, cpu):>13}{tail}")

    for phase in (official, plain):
        circ = phase.of("circular")
        line(f"{phase.label} circular", circ, circ[0].wall)
        if phase.of("notice"):
            line(f"{phase.label} notices", phase.of("notice"))
        line(f"{phase.label} all, {args.jobs} processes", phase.results, phase.wall)

    def per_page(phase: Phase, kind: str) -> float:
        return phase.cpu(kind) / max(phase.pages(kind), 1)

    print("official / plain throughput, pages per CPU-second:")
    for kind in ("circular", "notice"):
        if phase_has(official, kind) and phase_has(plain, kind):
            ratio = per_page(plain, kind) / per_page(official, kind)
            print(f"  {kind:9} {ratio:5.2f}  (official {1 / per_page(official, kind):.1f}, "
                  f"plain {1 / per_page(plain, kind):.1f} pages/CPU-s)")
    if phase_has(plain, "notice"):
        mean_plain = plain.cpu("notice") / len(plain.of("notice"))
        plain_total = plain.cpu("circular") + mean_plain * args.notices
        print(f"CPU for the whole set: official {official.cpu():.1f} s, plain (extrapolated to "
              f"{args.notices} notices) {plain_total:.1f} s → official costs {official.cpu() / plain_total:.2f}x")
    if notices := official.of("notice"):
        per = sorted(r.cpu for r in notices)
        print(f"official notice CPU s: median {per[len(per) // 2]:.2f}, max {per[-1]:.2f}; "
              f"{sum(r.pages for r in notices) / len(notices):.1f} pages each")
    print(f"peak RSS of one worker (ru_maxrss): official {official.peak_mib:.0f} MiB, "
          f"plain {plain.peak_mib:.0f} MiB; parent {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print(f"total wall time {total:.1f} s")


def phase_has(phase: Phase, kind: str) -> bool:
    return bool(phase.of(kind))


if __name__ == "__main__":
    main()
