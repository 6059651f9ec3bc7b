#!/usr/bin/env python3
"""Checks docs/extending.md against the code: every file it names exists, every
function, table, macro or test it names is found in the sources, and every
`make` target it names is in the Makefile. Exits 1 and lists what is missing.

    python3 scripts/check_extending.py [REPO_ROOT]
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
page = (root / "docs/extending.md").read_text()
prose = " ".join(page.split())  # quoted titles may wrap across lines
code_dirs = ["sim", "agents", "tests", "analysis", "scenarios", "scripts"]
sources = "\n".join(
    p.read_text(errors="replace")
    for d in code_dirs
    for p in (root / d).rglob("*")
    if p.is_file() and p.suffix in {".h", ".cpp", ".def", ".py", ".txt", ".yaml", ".sh"}
)
makefile = (root / "Makefile").read_text()
missing = []

for token in sorted(set(re.findall(r"`([^`\n]+)`", page))):
    if token.startswith(("-", "/")) or "<" in token:
        continue  # options, paths inside result files, placeholders
    if token.startswith("make "):
        if not re.search(rf"^{re.escape(token.split()[1])}:", makefile, re.M):
            missing.append(f"make target in `{token}`")
    elif token.startswith("cardsim "):
        continue  # commands are checked by the CLI tests
    elif "/" in token:
        path = token.split()[0].split("[")[0]
        if not (root / path).exists():
            missing.append(f"file `{path}`")
    elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_:]*(\(\))?", token):
        name = token.removesuffix("()").split("::")[-1]
        if not re.search(rf"\b{re.escape(name)}\b", sources):
            missing.append(f"name `{token}`")

# Tests named in quotes ("test "...", or the test "...") must exist.
for title in re.findall(r'[Tt]he test\s+"([^"]+)"', prose):
    if title not in sources:
        missing.append(f'test "{title}"')
for title in re.findall(r'invariant\s+"([^"]+)"', prose):
    if title not in sources:
        missing.append(f'invariant "{title}"')

if missing:
    print("docs/extending.md names what the code does not have:")
    for m in missing:
        print("  " + m)
    sys.exit(1)
print("docs/extending.md: every file, name, test and make target it names exists")
