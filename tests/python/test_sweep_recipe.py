"""The pandas recipe of docs/sweeps.md, run as written on a sweep made with
the real binary: one tidy row per (design point, replicate)."""
import os
import re
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
SPEC = """replicates: 2
seed: 3
set: {days: 20, population: 20000}
design:
  kind: lhs
  samples: 6
  parameters:
    controls.remote_activation.mode: [allow, block]
    controls.per_id_cap.max_cards: [1, 5]
    scammers.cash_out_share: [0.15, 0.6]
"""


def recipe_source() -> str:
    doc = (ROOT / "docs" / "sweeps.md").read_text()
    section = doc[doc.index("## Reading a sweep with pandas"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_recipe_gives_one_tidy_row_per_run(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "x.h5"
    subprocess.run([os.environ["CARDSIM_BINARY"], "sweep", str(spec), "--out", str(out), "-t", "2"],
                   check=True, capture_output=True)
    # The block reads results/x.h5 relative to the working directory.
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "x.h5").symlink_to(out)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        scope: dict = {}
        exec(compile(recipe_source(), "docs/sweeps.md", "exec"), scope)
    finally:
        os.chdir(cwd)
    tidy = scope["tidy"]
    assert isinstance(tidy, pd.DataFrame)
    assert len(tidy) == 6 * 2
    for column in ("point", "replicate", "seed", "wall_time_s", "status", "fraud_cases",
                   "controls.remote_activation.mode", "controls.per_id_cap.max_cards"):
        assert column in tidy.columns
    mode = tidy["controls.remote_activation.mode"]
    assert list(mode.cat.categories) == ["allow", "verify", "block"]
    assert set(mode) == {"allow", "block"}
    with h5py.File(out, "r") as f:
        totals = f["totals"]["fraud_cases"][()]
        design = f["design"][()]
    for row in tidy.itertuples(index=False):
        p, r = int(row.point), int(row.replicate)
        assert getattr(row, "fraud_cases") == totals[p, r]
        assert tidy.loc[(tidy.point == p) & (tidy.replicate == r), "controls.per_id_cap.max_cards"].item() == design[p, 1]
    assert (tidy["status"] == 1).all()
    assert (tidy["wall_time_s"] > 0).all()
    assert np.array_equal(tidy["point"].to_numpy(), np.repeat(np.arange(6), 2))
