"""The paper's bibliography and the layout checks of `make paper`.

- every entry of paper/references.bib is cited in paper/*.tex and has a DOI or
  a URL; there are at least 15;
- scripts/check_paper.py finds what it is meant to find (overfull boxes over
  1 pt, undefined references and citations, placeholders, missing sections)
  and passes text without them. These run without LaTeX.
"""
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIB = ROOT / "paper/references.bib"

spec = importlib.util.spec_from_file_location("check_paper", ROOT / "scripts/check_paper.py")
check_paper = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_paper)


def entries() -> dict[str, str]:
    text = BIB.read_text(encoding="utf-8")
    starts = [(m.start(), m.group(1)) for m in re.finditer(r"^@\w+\{([^,\s]+),", text, re.M)]
    return {key: text[pos:(starts[i + 1][0] if i + 1 < len(starts) else len(text))]
            for i, (pos, key) in enumerate(starts)}


def test_at_least_fifteen_references_each_with_doi_or_url():
    bib = entries()
    assert len(bib) >= 15, f"only {len(bib)} references"
    missing = [k for k, body in bib.items() if not re.search(r"^\s*(doi|url)\s*=", body, re.M)]
    assert not missing, f"entries with neither DOI nor URL: {missing}"
    for key, body in bib.items():
        for field in ("author", "title", "year"):
            assert re.search(rf"^\s*{field}\s*=", body, re.M), f"{key}: no {field}"


def test_every_entry_is_cited():
    assert check_paper.uncited(ROOT / "paper") == []


def test_uncited_entry_is_reported(tmp_path):
    (tmp_path / "references.bib").write_text("@article{used, title={A}}\n@article{unused, title={B}}\n")
    (tmp_path / "paper.tex").write_text(r"see \parencite{used}")
    assert check_paper.uncited(tmp_path) == ["bibliography entry 'unused' is never cited"]


def test_log_checks():
    log = ("Overfull \\hbox (0.5pt too wide) in paragraph at lines 1--2\n"
           "Overfull \\hbox (120.3pt too wide) in alignment at lines 5--9\n"
           "LaTeX Warning: Reference `fig:x' on page 3 undefined on input line 7.\n"
           "LaTeX Warning: Citation `nokey' on page 2 undefined on input line 9.\n")
    found = check_paper.log_problems(log)
    assert len(found) == 3
    assert "120.3pt" in found[0]
    assert check_paper.log_problems("Overfull \\hbox (0.9pt too wide) in paragraph\n") == []


def test_text_checks():
    good = "\n".join(["1 Introduction", "2 Related work", "5 Validation on facts", "7 Discussion",
                      "8 Limitations", "9 Conclusion", "References",
                      "losses of 12.5 million (10.9 million to 14.3 million) yuan; 0 in every replicate"])
    assert check_paper.text_problems(good) == []
    bad = good + "\nhalf its final level after n/a days; Q4 by 0 (0 to 0) at a harm of nan; see Figure ??"
    found = " ".join(check_paper.text_problems(bad))
    for what in ("'n/a'", "'nan'", "width zero", "'??'"):
        assert what in found, what
    assert "no section 'Discussion'" in " ".join(check_paper.text_problems(good.replace("Discussion", "Talk")))
