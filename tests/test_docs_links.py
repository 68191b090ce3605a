"""Every relative link and image in the project's Markdown resolves.

The documents are every ``*.md`` file of the checkout outside hidden folders and the git-ignored outputs
(``runs/``, ``data/raw/``, ``data/processed/``, ``build/``): README.md, CONTRIBUTING.md, CHANGELOG.md, docs/**,
and the folder READMEs. A link is ``[text](target)``, an image ``![alt](target)`` or ``<img src="target">``;
web addresses (``scheme:``) are not followed. A ``#fragment`` must name a heading of the target file, spelled as
GitHub spells heading anchors.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IGNORED_PARTS = {"runs", "build", "node_modules"}
IGNORED_PREFIXES = (("data", "raw"), ("data", "processed"))

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_IMG_SRC = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]+)\"", re.I)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def markdown_files(root: Path = ROOT) -> list[Path]:
    """The checkout's Markdown documents, sorted (see the module docstring for what is left out).

    Hidden and ignored folders are pruned before they are entered, so a ``.venv`` is never walked.
    """
    found = []
    for folder, subfolders, files in os.walk(root):
        here = Path(folder).relative_to(root).parts
        subfolders[:] = [
            name
            for name in subfolders
            if not name.startswith(".") and name not in IGNORED_PARTS and (*here, name) not in IGNORED_PREFIXES
        ]
        found.extend(Path(folder) / name for name in files if name.endswith(".md"))
    return sorted(found)


def strip_code(text: str) -> str:
    """``text`` without fenced code blocks, inline code spans and HTML comments, where a link is not a link."""
    return _INLINE_CODE.sub("", _FENCE.sub("", _HTML_COMMENT.sub("", text)))


def link_targets(text: str) -> list[str]:
    """Every link and image target in Markdown ``text``, in order of appearance."""
    prose = strip_code(text)
    return [m.group(1) for m in _LINK.finditer(prose)] + [m.group(1) for m in _IMG_SRC.finditer(prose)]


def heading_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """The heading anchors of Markdown ``text`` (a repeated heading gets ``-1``, ``-2``, ... as on GitHub)."""
    seen: dict[str, int] = {}
    result = set()
    for heading in _HEADING.findall(_FENCE.sub("", text)):
        anchor = heading_anchor(heading)
        count = seen.get(anchor, 0)
        result.add(anchor if count == 0 else f"{anchor}-{count}")
        seen[anchor] = count + 1
    return result


def broken_links(doc: Path, root: Path = ROOT) -> list[str]:
    """The relative link targets of ``doc`` that name no file or folder, or no heading of their file."""
    root = root.resolve()
    text = doc.read_text(encoding="utf-8")
    broken = []
    for target in link_targets(text):
        if _SCHEME.match(target):
            continue
        path_part, _, fragment = target.partition("#")
        resolved = (doc.parent / path_part).resolve() if path_part else doc
        if not resolved.exists() or root not in (resolved, *resolved.parents):
            broken.append(f"{target} (no such file in the checkout)")
        elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved.read_text(encoding="utf-8")):
            broken.append(f"{target} (no heading with anchor #{fragment})")
    return broken


DOCS = markdown_files()


def test_markdown_files_include_readme_and_docs():
    names = {p.relative_to(ROOT).as_posix() for p in DOCS}
    assert "README.md" in names
    assert any(name.startswith("docs/") for name in names)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_broken_links_none_in_each_document(doc):
    broken = broken_links(doc)
    assert not broken, f"{doc.relative_to(ROOT)}: fix or remove these links: {broken}"


def test_broken_links_reports_missing_file_image_and_anchor(tmp_path):
    (tmp_path / "other.md").write_text("# A heading, with `code`\n", encoding="utf-8")
    doc = tmp_path / "doc.md"
    doc.write_text(
        "[ok](other.md#a-heading-with-code) [web](https://example.org/x) `[code](missing.md)`\n"
        "[gone](missing.md) ![pic](images/none.png) [bad anchor](other.md#nope) [self](#title)\n"
        '# Title\n```\n[fenced](also-missing.md)\n```\n<img src="none.svg">\n',
        encoding="utf-8",
    )
    assert broken_links(doc, root=tmp_path) == [
        "missing.md (no such file in the checkout)",
        "images/none.png (no such file in the checkout)",
        "other.md#nope (no heading with anchor #nope)",
        "none.svg (no such file in the checkout)",
    ]


def test_heading_anchor_matches_github_spelling():
    assert heading_anchor("Reader study (thesis X-I): a blinded visual Turing test") == (
        "reader-study-thesis-x-i-a-blinded-visual-turing-test"
    )
    assert heading_anchor("Training speed (`make benchmark`)") == "training-speed-make-benchmark"
