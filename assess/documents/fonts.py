"""Font choice for official documents: free stand-ins by default, licensed files when configured.

GB/T 9704 asks for 仿宋 (body), 小标宋 (red header and title), 黑体 (first-level headings),
楷体 (second-level headings) and 宋体 (page numbers). No free 仿宋 with full Simplified coverage
exists (see ``shared/STACK-NOTES.md``), so the stylesheet names a project family for every
role — ``"GW FangSong"`` etc. — followed by an installed stand-in:

=========  ====================  ===================================
role       CSS family            stand-in (always installed)
=========  ====================  ===================================
仿宋        "GW FangSong"         Noto Serif CJK SC
小标宋      "GW XiaoBiaoSong"     Noto Serif CJK SC, bold
黑体        "GW HeiTi"            Noto Sans CJK SC
楷体        "GW KaiTi"            AR PL KaitiM GB
宋体        "GW SongTi"           Noto Serif CJK SC
=========  ====================  ===================================

When a deployment has licensed font files, :class:`FontSettings` names them; we then emit
``@font-face`` rules that bind the project family to ``url(file:…)`` in that one folder, and
the URL fetcher allows exactly that folder. Unknown families are skipped silently by
WeasyPrint, so without settings the stand-ins apply and no ``@font-face`` is emitted (which
also keeps the per-document subsetting cost at four faces).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["FAMILIES", "FontSettings", "font_face_css"]

# CSS family name for each role. base.css uses these names literally.
FAMILIES: dict[str, str] = {
    "fangsong": "GW FangSong",
    "xiaobiaosong": "GW XiaoBiaoSong",
    "heiti": "GW HeiTi",
    "kaiti": "GW KaiTi",
    "songti": "GW SongTi",
}

_ALLOWED_SUFFIXES = (".ttf", ".otf", ".ttc", ".woff", ".woff2")


@dataclass(frozen=True, slots=True)
class FontSettings:
    """Licensed font files for a deployment; each field is a file name inside ``font_dir``.

    Frozen and hashable: the renderer keeps one parsed stylesheet and font configuration per
    distinct settings value. Leave a role ``None`` to keep its free stand-in.
    """

    font_dir: Path | None = None
    fangsong: str | None = None
    xiaobiaosong: str | None = None
    heiti: str | None = None
    kaiti: str | None = None
    songti: str | None = None

    def files(self) -> dict[str, Path]:
        """Resolved font file per configured role; raises ``ValueError`` on a bad entry.

        A file must sit directly in ``font_dir`` (no ``..``, no sub-folders reached through
        symlinks) so the fetcher's allow-list of that single folder stays meaningful.
        """
        out: dict[str, Path] = {}
        roles = {role: getattr(self, role) for role in FAMILIES}
        if not any(roles.values()):
            return out
        if self.font_dir is None:
            raise ValueError("FontSettings: 已指定字体文件但未设置 font_dir")
        base = Path(self.font_dir).resolve()
        for role, name in roles.items():
            if not name:
                continue
            path = (base / name).resolve()
            if path.parent != base:
                raise ValueError(f"FontSettings.{role}: 字体文件必须直接位于 {base} 中：{name}")
            if path.suffix.lower() not in _ALLOWED_SUFFIXES:
                raise ValueError(f"FontSettings.{role}: 不支持的字体文件类型：{name}")
            if not path.is_file():
                raise ValueError(f"FontSettings.{role}: 找不到字体文件：{path}")
            out[role] = path
        return out

    def allowed_dir(self) -> Path | None:
        """The folder the URL fetcher may read fonts from, or ``None`` when none is configured."""
        return Path(self.font_dir).resolve() if self.files() else None


def font_face_css(settings: FontSettings | None) -> str:
    """``@font-face`` rules binding the configured files to the project families.

    小标宋 is declared bold because the templates ask for bold where it is used (the stand-in
    needs the bold cut to look like 小标宋); declaring the real, already heavy 小标宋 as the bold
    face stops Pango from synthesising an extra-bold version of it.
    """
    if settings is None:
        return ""
    rules = []
    for role, path in settings.files().items():
        weight = "bold" if role == "xiaobiaosong" else "normal"
        rules.append(
            "@font-face {"
            f' font-family: "{FAMILIES[role]}";'
            f' src: url("{path.as_uri()}");'
            f" font-weight: {weight}; font-style: normal; }}"
        )
    return "\n".join(rules)
