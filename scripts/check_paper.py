#!/usr/bin/python3
"""Checks the built paper (run by `make paper` after latexmk); exits 1 on a problem.

- paper.log: no Overfull \\hbox wider than 1 pt (a table or line running into
  the margin), no undefined reference or citation, no undefined macro;
- the PDF's text (pdftotext): no placeholder left by the generator ("n/a",
  "nan", "inf", an interval of width zero written as "x (x to x)"), and the
  sections a reader expects (Introduction, Related work, Validation,
  Discussion, References);
- the bibliography: every entry of references.bib is cited, and at least
  MIN_REFERENCES are printed;
- the figures: generated/figure_layout.txt (written by the analysis) lists no
  overlapping labels, axis offset text or label outside a figure.

Usage: scripts/check_paper.py [PAPER_DIR]   (default: paper/)
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

OVERFULL_LIMIT_PT = 1.0
MIN_REFERENCES = 15
SECTIONS = ["Introduction", "Related work", "Validation", "Discussion", "Limitations", "Conclusion", "References"]
PLACEHOLDERS = [
    (re.compile(r"(?<![\w/])n/a(?![\w/])"), "'n/a'"),
    (re.compile(r"(?<![\w.])(nan|NaN|inf)(?![\w])"), "'nan' or 'inf'"),
    (re.compile(r"(?<![\w.,])(-?[\d.,]+(?:\s?million)?)\s+\((\1) to (\1)\)"), "an interval of width zero"),
    (re.compile(r"\?\?"), "'??' (an unresolved reference)"),
]


def log_problems(log: str) -> list[str]:
    problems = []
    for m in re.finditer(r"Overfull \\hbox \(([\d.]+)pt too wide\)[^\n]*", log):
        if float(m.group(1)) > OVERFULL_LIMIT_PT:
            problems.append(m.group(0).strip())
    for pattern in (r"LaTeX Warning: Reference `[^']+' on page \d+ undefined",
                    r"LaTeX Warning: Citation `[^']+' on page \d+ undefined",
                    r"Package biblatex Warning: The following entry could not be found[^\n]*",
                    r"LaTeX Warning: There were undefined references",
                    r"Undefined control sequence"):
        problems += re.findall(pattern, log)
    return problems


def text_problems(text: str) -> list[str]:
    problems = []
    flat = re.sub(r"\s+", " ", text)
    for rx, what in PLACEHOLDERS:
        for m in rx.finditer(flat):
            problems.append(f"placeholder {what}: ...{flat[max(0, m.start() - 60):m.end() + 20]}...")
    for name in SECTIONS:
        if not re.search(rf"^\s*(\d+\s+)?{re.escape(name)}", text, re.M | re.I):
            problems.append(f"no section '{name}' in the PDF text")
    return problems


def uncited(paper: Path) -> list[str]:
    keys = re.findall(r"^@\w+\{([^,\s]+),", (paper / "references.bib").read_text(encoding="utf-8"), re.M)
    tex = "\n".join(p.read_text(encoding="utf-8") for p in paper.glob("*.tex"))
    cited = set()
    for group in re.findall(r"\\(?:paren|text|foot|auto|)cites?\*?(?:\[[^\]]*\])*\{([^}]*)\}", tex):
        cited.update(k.strip() for k in group.split(","))
    return [f"bibliography entry '{k}' is never cited" for k in keys if k not in cited]


def references_printed(paper: Path) -> list[str]:
    """The bibliography biber wrote (paper.bbl) has at least MIN_REFERENCES entries."""
    bbl = paper / "paper.bbl"
    n = len(re.findall(r"\\entry\{", bbl.read_text(errors="replace"))) if bbl.exists() else 0
    return [] if n >= MIN_REFERENCES else [f"{n} references in the bibliography, fewer than {MIN_REFERENCES}"]


def main() -> int:
    paper = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "paper")
    log = (paper / "paper.log").read_text(errors="replace")
    text = subprocess.run(["pdftotext", "-layout", str(paper / "paper.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    layout = paper / "generated/figure_layout.txt"
    figures = [f"figure layout: {line}" for line in layout.read_text().splitlines()] if layout.exists() else \
        [f"no {layout}: the analysis did not check the figures' layout"]
    problems = log_problems(log) + text_problems(text) + uncited(paper) + references_printed(paper) + figures
    for p in problems:
        print(f"check_paper: {p}")
    if problems:
        print(f"check_paper: {len(problems)} problem(s) in {paper / 'paper.pdf'}")
        return 1
    print(f"check_paper: {paper / 'paper.pdf'}: layout, references and text checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
