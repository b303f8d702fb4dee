"""The figure and table of docs/findings.md: does the ceasefire hold?

    python3 docs/plot_ceasefire_deterrence.py [SWEEP_DIR]

runs the sweep ``configs/sweeps/ceasefire_deterrence.toml`` with the project's own sweep
command into SWEEP_DIR (default ``results/ceasefire_deterrence``) unless it is already complete
there, then writes ``docs/ceasefire_deterrence.png`` and prints the tables in Markdown.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SWEEP = ROOT / "configs" / "sweeps" / "ceasefire_deterrence.toml"
FIGURE = ROOT / "docs" / "ceasefire_deterrence.png"
B, N = "ceasefire_us_backstop", "ceasefire_ground_contributors"


def negotiate(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "negotiate", *args], check=True, cwd=ROOT)


def outcomes(sweep_dir: Path) -> pd.DataFrame:
    if not (sweep_dir / "manifest.json").is_file():
        negotiate("sweep", "run", str(SWEEP), "--out", str(sweep_dir), "--quiet")
    else:
        negotiate("sweep", "run", str(SWEEP), "--out", str(sweep_dir), "--resume", "--quiet")
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "outcomes.csv"
        negotiate("sweep", "export", str(sweep_dir), "--what", "outcomes", "--format", "csv",
                  "--to", str(csv))
        return pd.read_csv(csv)


def wilson(k: np.ndarray, n: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """95 % Wilson interval of a proportion k/n."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main(argv: list[str]) -> None:
    sweep_dir = Path(argv[0]) if argv else ROOT / "results" / "ceasefire_deterrence"
    table = outcomes(sweep_dir)
    g = table.groupby([N, B])
    summary = pd.DataFrame({
        "runs": g.size(),
        "held": g["ceasefire_held"].sum(),
        "p_held": g["ceasefire_held"].mean(),
        "violations": g["violations"].mean(),
        "highest_rung": g["highest_rung"].mean(),
        "exposure": g["exposure"].mean(),
        "ground_troops": g["ceasefire_ground_troops"].mean(),
    }).reset_index()
    lo, hi = wilson(summary["held"].to_numpy(float), summary["runs"].to_numpy(float))
    summary["lo"], summary["hi"] = lo, hi

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4), constrained_layout=True)
    contributors = sorted(summary[N].unique())
    colours = plt.cm.viridis(np.linspace(0.0, 0.9, len(contributors)))
    for n, colour in zip(contributors, colours, strict=True):
        s = summary[summary[N] == n].sort_values(B)
        troops = s["ground_troops"].mean()
        left.plot(s[B], s["p_held"], marker="o", color=colour,
                  label=f"{n} states ({troops:,.0f} troops)")
        left.fill_between(s[B], s["lo"], s["hi"], color=colour, alpha=0.15, linewidth=0)
    left.set_xlabel("US backstop level after the deal (ceasefire_us_backstop)")
    left.set_ylabel("share of runs in which the ceasefire held 90 days")
    left.set_ylim(-0.02, 1.02)
    left.legend(title="ground-troop contributors", fontsize=8, title_fontsize=8)
    left.set_title("P(ceasefire holds), 95 % Wilson intervals", fontsize=10)

    grid = summary.pivot(index=N, columns=B, values="p_held")
    image = right.imshow(grid.to_numpy(), origin="lower", aspect="auto", vmin=0, vmax=1,
                         cmap="RdYlGn")
    right.set_xticks(range(grid.shape[1]), [f"{b:.1f}" for b in grid.columns])
    right.set_yticks(range(grid.shape[0]), [str(n) for n in grid.index])
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            right.text(j, i, f"{grid.iat[i, j]:.2f}", ha="center", va="center", fontsize=8)
    right.set_xlabel("US backstop level after the deal")
    right.set_ylabel("ground-troop contributors")
    right.set_title("P(ceasefire holds 90 days)", fontsize=10)
    fig.colorbar(image, ax=right, shrink=0.8)
    runs = int(summary["runs"].iloc[0])
    fig.suptitle(f"A model, not a forecast: the S4 ladder in the default scenario, "
                 f"{runs} seeds per cell", fontsize=10)
    fig.savefig(FIGURE, dpi=120)
    print(f"wrote {FIGURE.relative_to(ROOT)}\n")

    for value, label in (("p_held", "P(held)"), ("violations", "mean violations"),
                         ("exposure", "mean exposure, person-days")):
        wide = summary.pivot(index=N, columns=B, values=value)
        fmt = "{:,.0f}" if value == "exposure" else "{:.2f}"
        print(f"{label}: rows = ground-troop contributors, columns = US backstop\n")
        print("| contributors | " + " | ".join(f"{b:.1f}" for b in wide.columns) + " |")
        print("|---" * (len(wide.columns) + 1) + "|")
        for n, row in wide.iterrows():
            print(f"| {n} | " + " | ".join(fmt.format(v) for v in row) + " |")
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
