"""Report languages: English (as written) and Chinese (``zh``).

The report is written in English and translated at the end, text node by text node
(:func:`translate_html`): a text equal to an entry of :data:`ZH` is replaced whole; other
texts matching one of the patterns of :mod:`.i18n_zh` are rewritten with their numbers;
the rest have the phrases of :data:`ZH_PHRASES` replaced (longest first, on word
boundaries), so sentences with numbers keep their numbers. ``<pre>`` blocks (the rules as
printed by ``simi validate``, the manifest) and the stylesheet stay as they are: they are
the run's records. The terms are the source documents' own (大病保险, 起付线, 基金结余率,
当期结余, 累计结余, ...).

Figures: their texts are translated only when matplotlib finds a font with Chinese
characters (:func:`cjk_font`); otherwise they keep English labels and the report says so
(:func:`figure_note`), so a figure never shows empty boxes for missing glyphs.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..errors import SimiInputError
from .i18n_zh import EXACT, PATTERNS, PHRASES

LANGS = ("en", "zh")

#: Font families known to carry CJK glyphs, tried in order.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei",
                "PingFang SC", "Heiti SC", "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback")

ZH, ZH_PHRASES = EXACT, PHRASES


def check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise SimiInputError("--lang", [("--lang", f"unknown language {lang!r}; expected one "
                                         f"of {', '.join(LANGS)}")])


@lru_cache(maxsize=1)
def _patterns():
    return [(re.compile(p, re.S), r) for p, r in PATTERNS]


@lru_cache(maxsize=1)
def _phrase_pattern():
    keys = sorted(ZH_PHRASES, key=len, reverse=True)
    return re.compile("|".join(r"(?<![\w-])" + re.escape(k) + r"(?![\w-])" for k in keys))


def translate(text: str, lang: str, phrases: bool = True) -> str:
    """``text`` in ``lang``: an exact entry, else a pattern (its captured parts phrase by
    phrase), else phrase by phrase if ``phrases``; unknown words stay."""
    if lang == "en" or not text.strip():
        return text
    core = text.strip()
    if core in ZH:
        return text.replace(core, ZH[core])
    for pattern, replacement in _patterns():
        hit = pattern.fullmatch(core)
        if hit:
            return text.replace(core, _phrases(hit.expand(replacement)))
    return _phrases(text) if phrases else text


def _phrases(text: str) -> str:
    return _phrase_pattern().sub(lambda m: ZH_PHRASES[m.group(0)], text)


_BLOCK = re.compile(r"(<pre>.*?</pre>|<style>.*?</style>|<[^>]+>)", re.S)


def translate_html(doc: str, lang: str) -> str:
    """The HTML document with its visible text translated (see the module docstring)."""
    check_lang(lang)
    if lang == "en":
        return doc
    import html

    parts = _BLOCK.split(doc)
    for i, part in enumerate(parts):
        if i % 2 == 0 and part.strip():  # text between tags
            # free text (the scenario's own description) is not translated word by word
            parts[i] = html.escape(translate(html.unescape(part), lang, phrases=False),
                                   quote=False)
    return "".join(parts).replace('<html lang="en">', '<html lang="zh-CN">', 1)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed font family of :data:`CJK_FAMILIES` (None: none installed)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FAMILIES if name in installed), None)


def localise_figure(fig, lang: str) -> bool:
    """Translate a figure's texts in place when a CJK font is installed; True if done."""
    if lang == "en" or cjk_font() is None:
        return False
    from matplotlib.text import Text

    for t in fig.findobj(Text):
        if t.get_text():
            t.set_text(translate(t.get_text(), lang))
            t.set_fontfamily([cjk_font(), "DejaVu Sans"])
    return True


def figure_note(lang: str) -> list[str]:
    """The report's note on figure labels (empty in English)."""
    if lang == "en":
        return []
    if cjk_font() is None:
        return ["图中文字为英文：本机未安装中文字体（matplotlib 未找到 "
                + "、".join(CJK_FAMILIES[:3]) + " 等字体），为避免乱码，图形标签保留英文。"]
    return [f"图中文字使用字体 {cjk_font()}。"]
