"""Sources are cited bibliographically from docs/sources.md, never by the name of a file a
user of the project does not have (the seed documents and their reading notes)."""

from __future__ import annotations

import re

INTERNAL = re.compile(r"seed00\d|notes_00\d|shared/seeds|\b00\d_[a-z0-9_]+\.txt")
SHORT_FORMS = ("Jiang et al. (Guangxi 2017–2021)", "Jiang (2024)", "Luo (2020)",
               "Chongqing district article")


def _user_facing(repo_root):
    yield repo_root / "README.md"
    for top, pattern in (("docs", "*.md"), ("simi_actuarial", "*.py"), ("scenarios", "*.yaml"),
                         ("notebooks", "*.ipynb"), ("examples", "*.yaml")):
        yield from sorted((repo_root / top).rglob(pattern))


def test_no_internal_file_names_in_user_facing_files(repo_root):
    hits = []
    for path in _user_facing(repo_root):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if INTERNAL.search(line):
                hits.append(f"{path.relative_to(repo_root)}:{n}: {line.strip()[:80]}")
    assert not hits, "\n".join(hits[:20])


def test_every_short_form_is_in_the_list_of_sources(repo_root):
    sources = (repo_root / "docs" / "sources.md").read_text(encoding="utf-8")
    used = set()
    for path in _user_facing(repo_root):
        text = path.read_text(encoding="utf-8")
        used |= {s for s in SHORT_FORMS if s in text}
    assert used, "no citation found at all"
    for s in used:
        assert f"| {s} |" in sources, s
