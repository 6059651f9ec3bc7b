"""The HTML report of a run, a compare and a sweep file, rendered in headless
Chromium (Debian's `chromium`): the page is self-contained, the browser
decodes every image, the images and the screenshot are not blank."""
import base64
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))
os.environ.setdefault("MPLBACKEND", "Agg")
from cardsim_analysis.report import write_report  # noqa: E402

Image = pytest.importorskip("PIL.Image", reason="python3-pil comes with python3-matplotlib")
TINY = ["--set", "population=20000", "--set", "days=30", "-r", "3", "-t", "2", "-q"]
CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    binary = Path(os.environ.get("CARDSIM_BINARY", ROOT / "build/release/cardsim"))
    tmp = tmp_path_factory.mktemp("report")
    pol = ROOT / "scenarios/policies"
    spec = tmp / "grid.yaml"
    spec.write_text(f"base: {ROOT / 'scenarios/baseline.yaml'}\nname: tiny_grid\nreplicates: 2\nseed: 1\n"
                    "set:\n  population: 20000\n  days: 30\n"
                    "design:\n  kind: grid\n  parameters:\n    controls.dealer_cap.max_activations: [15, 60]\n"
                    "    controls.remote_activation.mode: [allow, block]\n")
    out = {"run": tmp / "run.h5", "compare": tmp / "compare.h5", "sweep": tmp / "sweep.h5"}
    subprocess.run([binary, "run", ROOT / "scenarios/baseline.yaml", *TINY, "--out", out["run"]], check=True)
    subprocess.run([binary, "compare", ROOT / "scenarios/baseline.yaml", pol / "dealer_cap.yaml",
                    pol / "remote_block.yaml", *TINY, "--out", out["compare"]], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([binary, "sweep", spec, "--out", out["sweep"], "-t", "2"], check=True)
    return out


def not_blank(png: bytes) -> bool:
    img = Image.open(io.BytesIO(png)).convert("L")
    lo, hi = img.getextrema()
    return hi - lo > 100


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_report_is_self_contained_and_renders(files, kind, tmp_path):
    page = write_report(files[kind], tmp_path / f"{kind}.html")
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:|file:|//)""", html), "the page must not load anything"
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert images and len(images) == html.count("<img")
    for data in images:
        assert not_blank(base64.b64decode(data)), "an embedded figure is blank"
    for expected in ("Provenance", "git_commit", "Resolved scenario", " units" if kind != "sweep" else "runs"):
        assert expected in html
    if not CHROMIUM:
        pytest.fail("chromium is not installed (scripts/install-deps.sh --test installs it)")
    browser = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000"]
    dom = subprocess.run([*browser, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60).stdout
    decoded = re.search(r'data-images-decoded="(\d+)/(\d+)"', dom)
    assert decoded, "the page's load handler did not run in Chromium"
    assert decoded.group(1) == decoded.group(2) == str(len(images)), f"Chromium decoded {decoded.group(0)}"
    shot = tmp_path / "shot.png"
    subprocess.run([*browser, "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=60, check=True)
    assert not_blank(shot.read_bytes()), "the screenshot is blank"
