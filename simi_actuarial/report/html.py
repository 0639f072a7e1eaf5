"""Self-contained HTML: sections of escaped text, tables and base64-embedded PNG figures.
No external stylesheet, script or image: the file can be mailed or archived alone."""

from __future__ import annotations

import base64
import html

import pandas as pd

CSS = """
body { font-family: "Helvetica Neue", Arial, sans-serif; max-width: 60em; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; border-bottom: 2px solid #0072B2; padding-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 2em; color: #0072B2; }
h3 { font-size: 1.05em; }
table { border-collapse: collapse; font-size: .85em; margin: .5em 0 1em; }
th, td { border: 1px solid #ccc; padding: .2em .5em; text-align: right; }
th { background: #f0f4f8; }
td:first-child, th:first-child { text-align: left; }
pre { background: #f7f7f7; padding: .7em; overflow-x: auto; font-size: .8em; }
figure { margin: 1em 0 2em; page-break-inside: avoid; }
figure img { max-width: 100%; }
figcaption { font-size: .85em; color: #555; }
.note { font-size: .9em; color: #444; }
nav li { display: inline; margin-right: 1em; }
@media print { nav { display: none; } h2 { page-break-before: auto; } }
"""


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def figure(png: bytes, caption: str, alt: str) -> str:
    """An embedded PNG figure with a caption."""
    return (f'<figure><img src="{png_data_uri(png)}" alt="{esc(alt)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def table(frame: pd.DataFrame, formats: dict[str, str] | None = None,
          headers: dict[str, str] | None = None) -> str:
    """An HTML table with per-column number formats (``format()`` specs)."""
    formats = formats or {}
    headers = headers or {}
    out = ["<table><thead><tr>"]
    out += [f"<th>{esc(headers.get(c, c))}</th>" for c in frame.columns]
    out.append("</tr></thead><tbody>")
    for row in frame.itertuples(index=False):
        out.append("<tr>")
        for c, v in zip(frame.columns, row, strict=True):
            out.append(f"<td>{esc(_fmt(v, formats.get(c)))}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def columns_table(frame: pd.DataFrame, spec) -> str:
    """The columns of ``spec`` ((column, header, format)) present in ``frame``, as a table
    (headers may repeat, e.g. "± SE")."""
    cols = [(c, h, f) for c, h, f in spec if c in frame.columns]
    sub = frame[[c for c, _, _ in cols]].copy()
    sub.columns = [f"{h}#{i}" for i, (_, h, _) in enumerate(cols)]  # unique names
    fmts = {f"{h}#{i}": f for i, (_, h, f) in enumerate(cols)}
    heads = {f"{h}#{i}": h for i, (_, h, _) in enumerate(cols)}
    return table(sub, fmts, heads)


def _fmt(value, spec: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return "–"
    if spec and isinstance(value, (int, float)):
        return format(value, spec)
    return str(value)


def pre(text: str) -> str:
    return f"<pre>{esc(text)}</pre>"


def para(text: str, cls: str | None = None) -> str:
    return f'<p{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}>{esc(text)}</p>'


def document(title: str, sections: list[tuple[str, str, str]]) -> str:
    """A whole page; ``sections`` are (anchor id, heading, inner HTML)."""
    nav = "".join(f'<li><a href="#{esc(i)}">{esc(h)}</a></li>' for i, h, _ in sections)
    body = "".join(f'<section id="{esc(i)}"><h2>{esc(h)}</h2>{inner}</section>'
                   for i, h, inner in sections)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{esc(title)}</h1><nav><ul>{nav}</ul></nav>{body}</body></html>\n")
