"""Every citation in the repository resolves inside it.

- Each fact id (F1, F2, ...) cited in a tracked file is defined in
  docs/sources.md.
- No tracked file points to documents that are not in the repository
  (the developers' own notes, kept outside it: the names are assembled in
  NOT_IN_REPO below so that this file does not point at them either).
- Every relative link of a Markdown file, and every repository path that the
  documentation, scenarios, paper and analysis mention (docs/..., sim/...,
  scenarios/..., and so on), names a file or folder that exists.
"""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "docs/sources.md"
TOP = ("docs", "sim", "agents", "scenarios", "analysis", "scripts", "tests", "paper", "bench", "cmake")
# Paths that are written by a build or a run, not tracked.
GENERATED = ("results/", "paper/generated", "paper/paper.pdf", "paper/paper.log", "paper/paper.bbl", "paper/paper.fls",
             "paper/paper.aux", "build/")
FID = re.compile(r"(?<![\w-])F([1-9]\d{0,2})(?![\w])")
# Fuzzer inputs are random bytes, not citations.
NOT_PROSE = ("tests/fuzz/corpus/",)
NOT_IN_REPO = [name + ".md" for name in ("FACTS", "MODEL", "RESEARCH")] + ["..", "/shared"]
FORBIDDEN = re.compile("|".join(re.escape(n) for n in NOT_IN_REPO[:3]) + "|" + re.escape("".join(NOT_IN_REPO[3:])))
MD_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
REPO_PATH = re.compile(r"(?<![\w./-])((?:%s)/[\w./-]*\w)" % "|".join(TOP))


def tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / p for p in out.decode().split("\0") if p]


def text(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


def defined_ids() -> set[str]:
    rows = re.findall(r"^\| (F\d+) \|", SOURCES.read_text(encoding="utf-8"), re.M)
    assert rows, "docs/sources.md defines no fact"
    return set(rows)


def test_every_cited_fact_is_defined_in_sources():
    ids = defined_ids()
    missing = []
    for path in tracked():
        body = text(path)
        if body is None or path.relative_to(ROOT).as_posix().startswith(NOT_PROSE):
            continue
        for n, line in enumerate(body.splitlines(), 1):
            if "noqa" in line:  # flake8 codes such as F401 are not facts
                continue
            for m in FID.finditer(line):
                if f"F{m.group(1)}" not in ids:
                    missing.append(f"{path.relative_to(ROOT)}:{n}: F{m.group(1)}")
    assert not missing, "fact ids not defined in docs/sources.md:\n" + "\n".join(missing)


def test_sources_lists_each_fact_once_with_date_kind_and_use():
    rows = re.findall(r"^\| (F\d+) \|(.*)$", SOURCES.read_text(encoding="utf-8"), re.M)
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)), "a fact id is defined twice"
    for fid, rest in rows:
        cells = [c.strip() for c in rest.rstrip("|").split("|")]
        assert len(cells) == 4 and all(cells), f"{fid}: needs what it says, date, kind and use"


def test_no_file_points_outside_the_repository():
    bad = []
    for path in tracked():
        body = text(path)
        if body is None and path.suffix in (".yaml", ".md"):
            body = path.read_bytes().decode("utf-8", errors="replace")
        if body is None:
            continue
        for n, line in enumerate(body.splitlines(), 1):
            if FORBIDDEN.search(line) and path != Path(__file__).resolve():
                bad.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    assert not bad, "references to documents outside the repository:\n" + "\n".join(bad)


def _exists(bases: list[Path], target: str) -> bool:
    if any(target.startswith(g) for g in GENERATED) or re.search(r"[*<>{}$]|\.\.\.", target):
        return True
    if any((b / target).exists() for b in bases):
        return True
    # A path written relative to a folder other than the file's (e.g. paper/quick
    # under scenarios/) still names a tracked file or folder.
    return any(k == target or k.endswith("/" + target) for k in _known())


def _known() -> set[str]:
    if not _KNOWN:
        for p in tracked():
            rel = p.relative_to(ROOT)
            _KNOWN.add(rel.as_posix())
            _KNOWN.update(q.as_posix() for q in rel.parents if q.as_posix() != ".")
    return _KNOWN


_KNOWN: set[str] = set()


def test_links_and_repository_paths_exist():
    bad = []
    for path in tracked():
        rel = path.relative_to(ROOT)
        if rel.parts[0] in ("tests",) and rel.parts[1:2] != ("python",) or path.suffix not in (
                ".md", ".yaml", ".tex", ".py", ".cff", ".txt", ".def"):
            continue
        body = text(path)
        if body is None:
            continue
        for n, line in enumerate(body.splitlines(), 1):
            if path.suffix == ".md":
                for m in MD_LINK.finditer(line):
                    t = m.group(1)
                    if "://" in t or t.startswith("mailto:"):
                        continue
                    if not _exists([path.parent], t):
                        bad.append(f"{rel}:{n}: link {t}")
            if rel.parts[0] == "results":  # describes files a run writes
                continue
            for m in REPO_PATH.finditer(line):
                t = m.group(1).rstrip(".")
                if line[m.end():m.end() + 1] in ("*", "{", "<"):  # a pattern, not a path
                    continue
                if not _exists([ROOT, path.parent], t):
                    bad.append(f"{rel}:{n}: path {t}")
    assert not bad, "references to files that do not exist:\n" + "\n".join(bad)


def test_validation_facts_set_no_parameter_and_are_no_calibration_target():
    import sys
    sys.path.insert(0, str(ROOT))
    from analysis.cardsim_analysis.calibration import TARGETS as CALIBRATION
    from analysis.cardsim_analysis.validation import TARGETS as VALIDATION

    validation = {f.strip() for t in VALIDATION for f in t.fact.split(",")}
    assert len(validation) >= 3
    calibration = {f.strip() for t in CALIBRATION for f in t.fact.split(",")}
    assert not validation & calibration, f"used for both calibration and validation: {validation & calibration}"
    params = (ROOT / "docs/parameters.md").read_text(encoding="utf-8")
    for fid in validation:
        rows = [line.replace("\\|", "/").split("|") for line in params.splitlines() if line.startswith("| `")]
        cited = [r[1].strip() for r in rows if re.search(rf"\b{fid}\b", r[7])]
        assert not cited, f"{fid} is a validation fact but sets {cited}"
    doc = (ROOT / "docs/validation.md").read_text(encoding="utf-8")
    for fid in validation:
        assert f"| {fid} |" in doc, f"docs/validation.md does not report {fid}"
