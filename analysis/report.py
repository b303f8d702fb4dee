"""The run report and the sweep report: one self-contained HTML page from a run's tables.

Pure functions over tables: they take the DataFrames that ``negotiate run --out DIR`` (or
``negotiate sweep run``) wrote, already read, and return the page as a string; reading and
writing the files is the driver's job (``negotiate report``, ``negotiate sweep report``).

The figures are matplotlib SVG embedded in the page (no JavaScript, no CDN, no font or image
fetched: the page opens offline and renders the same in any browser). They are drawn on
:class:`matplotlib.figure.Figure` objects directly, never through ``pyplot``, so building a
report changes no global state. The output is deterministic: the SVG carries no date and a
fixed hash salt, so the same tables give the same page byte for byte.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

#: Stance of a state in a round → colour and label (the palette of the live view).
STANCE_COLOURS = {
    "deploy_now": "#1a9850",
    "deploy_after_ceasefire": "#91cf60",
    "outside_only": "#74add1",
    "none": "#cfd6de",
    "opposed": "#d73027",
    "host": "#ffd500",
}
STANCE_LABELS = {
    "deploy_now": "troops in Ukraine now",
    "deploy_after_ceasefire": "troops after a ceasefire",
    "outside_only": "helps from outside only",
    "none": "nothing",
    "opposed": "opposed",
    "host": "Ukraine (host)",
}
PLEDGE_COLOURS = {
    "ground": "#1b5e20",
    "monitoring": "#6a1b9a",
    "air": "#1565c0",
    "maritime": "#00838f",
    "training": "#ef6c00",
    "logistics": "#6d4c41",
}
THREAT_COLOUR = "#b71c1c"
PRESENCE_COLOUR = "#1b5e20"
GUARANTEE_COLOUR = "#1565c0"

#: The sections of a run report, in page order: (anchor id, heading).
RUN_SECTIONS = (
    ("stances", "Stances over the rounds"),
    ("paths", "Each actor's path on both issue dimensions"),
    ("map", "Map of stances"),
    ("pledges", "Pledges by type"),
    ("threat", "Russia's threat"),
    ("ceasefire", "The ceasefire"),
    ("events", "Event log"),
    ("parameters", "Parameters, seed and versions"),
)

#: The sections of a sweep report.
SWEEP_SECTIONS = (
    ("design", "Design points"),
    ("outcomes", "Outcome distributions per design point"),
    ("sensitivity", "Sensitivity indices"),
    ("provenance", "Sweep, scenario and versions"),
)

# The map window (degrees): Europe; states outside it are drawn on its edge, marked.
LON_MIN, LON_MAX = -25.0, 45.0
LAT_MIN, LAT_MAX = 34.0, 68.0


@dataclass(frozen=True)
class Place:
    """Where to draw an actor on the map: its name and its capital's longitude/latitude
    (the scenario's ``lon``/``lat``)."""

    name: str
    lon: float
    lat: float


# -- figures ---------------------------------------------------------------------------------
def _figure(width: float, height: float, layout: str | None = "constrained"):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout=layout)


def _svg(fig: Any) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog, no date, fixed ids)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "coalition-report",
                                "font.family": "sans-serif"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:]


def _round_labels(rounds: pd.DataFrame) -> list[str]:
    """``0 start``, ``1 2024-02-26`` …: the round and its meeting's date."""
    import datetime as dt

    out = []
    for r, d in zip(rounds["round"], rounds["date"].fillna(""), strict=True):
        try:
            day = dt.date.fromisoformat(str(d))
            out.append(f"{int(r)}\n{day.day} {day:%b}\n{day.year}")
        except ValueError:
            out.append(f"{int(r)}\nstart")
    return out


def stance_figure(rounds: pd.DataFrame) -> str:
    """Stacked bars: how many states hold each stance after each round."""
    fig = _figure(10, 3.8)
    ax = fig.add_subplot()
    x = list(range(len(rounds)))
    bottom = [0.0] * len(rounds)
    for stance, colour in STANCE_COLOURS.items():
        if stance not in rounds:
            continue
        values = rounds[stance].astype(float).tolist()
        ax.bar(x, values, bottom=bottom, color=colour, edgecolor="white", linewidth=0.5,
               label=STANCE_LABELS[stance])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(x, _round_labels(rounds), fontsize=8)
    ax.set_ylabel("states")
    ax.set_xlabel("round (meeting date)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def paths_figure(actors: pd.DataFrame, names: Mapping[str, str] | None = None) -> str:
    """Small multiples, one panel per actor: its stated position on presence and on
    guarantee over the rounds (solid), its ideal on each (dotted), its last stance."""
    codes = list(dict.fromkeys(actors["actor"]))
    cols = 6
    rows = max(1, math.ceil(len(codes) / cols))
    height = 1.75 * rows + 0.7
    fig = _figure(12, height, layout=None)  # a fixed grid: constrained layout costs 1 s here
    fig.subplots_adjust(left=0.04, right=0.99, top=1 - 0.3 / height, bottom=0.65 / height,
                        wspace=0.12, hspace=0.32)
    grid = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    last_round = actors["round"].max()
    for k, ax in enumerate(grid.flat):
        if k >= len(codes):
            ax.set_visible(False)
            continue
        code = codes[k]
        a = actors[actors["actor"] == code].sort_values("round")
        ax.plot(a["round"], a["presence"], color=PRESENCE_COLOUR, lw=1.6)
        ax.plot(a["round"], a["guarantee"], color=GUARANTEE_COLOUR, lw=1.6)
        if "ideal_presence" in a:
            ax.plot(a["round"], a["ideal_presence"], color=PRESENCE_COLOUR, lw=0.9, ls=":")
            ax.plot(a["round"], a["ideal_guarantee"], color=GUARANTEE_COLOUR, lw=0.9, ls=":")
        stance = str(a.loc[a["round"] == last_round, "stance"].iloc[-1])
        ax.set_facecolor(_tint(STANCE_COLOURS.get(stance, "#ffffff")))
        label = code if not names else f"{code} {names.get(code, '')}"[:22]
        ax.set_title(label, fontsize=8.5, loc="left", pad=2)
        ax.set_ylim(-3, 103)
        ax.set_yticks([0, 50, 100])
        ax.tick_params(labelsize=7, length=2)
        ax.spines[["top", "right"]].set_visible(False)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Line2D([], [], color=PRESENCE_COLOUR, lw=1.6, label="presence (stated)"),
               Line2D([], [], color=GUARANTEE_COLOUR, lw=1.6, label="guarantee (stated)"),
               Line2D([], [], color="#555", lw=0.9, ls=":", label="ideal"),
               *[Patch(color=_tint(c), label=f"last stance: {STANCE_LABELS[s]}")
                 for s, c in STANCE_COLOURS.items()]]
    fig.legend(handles=handles, loc="lower center", ncol=5, fontsize=8, frameon=False)
    return _svg(fig)


def _tint(colour: str, amount: float = 0.78) -> str:
    """``colour`` mixed with white (a panel background that keeps the lines readable)."""
    c = colour.lstrip("#")
    rgb = [int(c[i:i + 2], 16) for i in (0, 2, 4)]
    mixed = [round(v + (255 - v) * amount) for v in rgb]
    return "#" + "".join(f"{v:02x}" for v in mixed)


def map_figure(actors: pd.DataFrame, places: Mapping[str, Place], at: Sequence[int],
               dates: Mapping[int, str] | None = None) -> str:
    """One lon/lat scatter of the states per round in ``at``, coloured by stance; states
    outside the European window sit on its edge with a hollow ring."""
    fig = _figure(4.4 * len(at), 5.0)
    axes = fig.subplots(1, len(at), squeeze=False)[0]
    kx = math.cos(math.radians(50.0))
    spots = _map_spots(places)
    for ax, r in zip(axes, at, strict=True):
        rows = actors[(actors["round"] == r) & actors["actor"].isin(list(spots))]
        xy = [spots[c] for c in rows["actor"]]
        ax.scatter([p[0] for p in xy], [p[1] for p in xy], s=190, zorder=3,
                   color=[STANCE_COLOURS.get(str(st), "#ffffff") for st in rows["stance"]],
                   edgecolors=["#000" if p[2] else "#333" for p in xy],
                   linewidths=[1.8 if p[2] else 0.6 for p in xy])
        for code, (lon, lat, _) in zip(rows["actor"], xy, strict=True):
            ax.text(lon, lat, code, fontsize=7, ha="center", va="center", zorder=4)
        ax.set_xlim(LON_MIN - 2, LON_MAX + 2)
        ax.set_ylim(LAT_MIN - 2, LAT_MAX + 2)
        ax.set_aspect(1 / kx)
        ax.grid(True, color="#e3e7eb", lw=0.6)
        ax.tick_params(labelsize=7)
        when = (dates or {}).get(r, "")
        ax.set_title(f"round {r}" + (f", {when}" if when else " (start)"), fontsize=10)
    from matplotlib.patches import Patch

    fig.legend(handles=[Patch(color=c, label=STANCE_LABELS[s])
                        for s, c in STANCE_COLOURS.items()],
               loc="outside lower center", ncol=6, fontsize=8, frameon=False)
    return _svg(fig)


def _map_spots(places: Mapping[str, Place]) -> dict[str, tuple[float, float, bool]]:
    """Where each actor is drawn: its capital, or for one outside the window the nearest
    point of the window's edge, actors on the same edge point stacked 3° apart."""
    spots: dict[str, tuple[float, float, bool]] = {}
    taken: dict[tuple[float, float], int] = {}
    for code in sorted(places, key=lambda c: (-places[c].lat, c)):
        p = places[code]
        lon = min(max(p.lon, LON_MIN), LON_MAX)
        lat = min(max(p.lat, LAT_MIN), LAT_MAX)
        outside = (lon, lat) != (p.lon, p.lat)
        if outside:
            key = (lon, round(lat / 6.0))
            k = taken.get(key, 0)
            taken[key] = k + 1
            lat = min(max(lat - 3.0 * k if lat > LAT_MIN + 6 else lat + 3.0 * k, LAT_MIN),
                      LAT_MAX)
        spots[code] = (lon, lat, outside)
    return spots


def pledge_figure(actors: pd.DataFrame, rounds: pd.DataFrame) -> str:
    """Stacked bars: what stands pledged after each round, by type (persons)."""
    cols = [c for c in actors.columns if c.startswith("pledge_")]
    totals = actors.groupby("round")[cols].sum().reindex(rounds["round"]).fillna(0.0)
    fig = _figure(10, 3.6)
    ax = fig.add_subplot()
    x = list(range(len(totals)))
    bottom = [0.0] * len(totals)
    for col in cols:
        kind = col.removeprefix("pledge_")
        values = totals[col].astype(float).tolist()
        ax.bar(x, values, bottom=bottom, color=PLEDGE_COLOURS.get(kind, "#999"),
               edgecolor="white", linewidth=0.5, label=kind)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(x, _round_labels(rounds), fontsize=8)
    ax.set_ylabel("persons pledged")
    ax.yaxis.set_major_formatter(_thousands())
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def _thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{v:,.0f}")


def threat_figure(rounds: pd.DataFrame) -> str:
    """Russia's threat after each round, with the US guarantee position (both on 0..1)."""
    fig = _figure(10, 3.2)
    ax = fig.add_subplot()
    x = list(range(len(rounds)))
    ax.plot(x, rounds["russia_threat"], color=THREAT_COLOUR, lw=2.2, marker="o",
            label="Russia's threat")
    if "us_backstop" in rounds:
        ax.plot(x, rounds["us_backstop"], color=GUARANTEE_COLOUR, lw=1.4, ls="--",
                marker=".", label="US guarantee position (backstop)")
    ax.set_ylim(0, 1.02)
    ax.set_xticks(x, _round_labels(rounds), fontsize=8)
    ax.set_ylabel("0 .. 1")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


# -- HTML ------------------------------------------------------------------------------------
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #1f2933; background: #f5f7fa; line-height: 1.45; }
header { background: #1f2933; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 1.5rem; }
header p { margin: 0; color: #cbd2d9; }
nav { padding: 8px 32px; background: #e4e7eb; font-size: 0.9rem; }
nav a { margin-right: 14px; color: #1f2933; }
main { padding: 8px 32px 40px; max-width: 1280px; }
section { background: #fff; border-radius: 6px; padding: 12px 20px 16px; margin: 16px 0;
          box-shadow: 0 1px 2px rgba(0,0,0,.08); }
h2 { font-size: 1.15rem; margin: 4px 0 8px; }
p.note { color: #52606d; font-size: 0.9rem; margin: 4px 0 8px; }
svg { max-width: 100%; height: auto; }
.wide { overflow-x: auto; }
.scroll { max-height: 340px; overflow: auto; border: 1px solid #e4e7eb; padding: 0 6px; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 6px 0; }
th, td { border-bottom: 1px solid #e4e7eb; padding: 3px 10px 3px 0; text-align: left;
         vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.facts { display: flex; flex-wrap: wrap; gap: 10px; margin: 6px 0 10px; }
.fact { background: #f0f4f8; border-radius: 4px; padding: 6px 12px; }
.fact b { display: block; font-size: 1.2rem; }
ol.events { max-height: 420px; overflow-y: auto; font-size: 0.85rem; margin: 0;
            padding-left: 2.6em; }
.cols { display: flex; flex-wrap: wrap; gap: 28px; }
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _cell(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return f"<td>{_e('' if v is None else v)}</td>"
    if isinstance(v, int):
        return f'<td class="num">{v:,}</td>'
    if isinstance(v, float):
        if math.isnan(v):
            return "<td></td>"
        text = f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
        return f'<td class="num">{text}</td>'
    return f"<td>{_e(v)}</td>"


def html_table(frame: pd.DataFrame, *, max_rows: int = 200) -> str:
    """A DataFrame as a plain HTML table (escaped; numbers right-aligned)."""
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.head(max_rows).itertuples(index=False):
        body.append("<tr>" + "".join(_cell(_py(v)) for v in row) + "</tr>")
    more = (f'<p class="note">… {len(frame) - max_rows} more rows in the file</p>'
            if len(frame) > max_rows else "")
    return (f'<div class="wide"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>{more}")


def _py(v: Any) -> Any:
    """numpy scalars → Python scalars (for formatting)."""
    if hasattr(v, "item") and not isinstance(v, str):
        try:
            return v.item()
        except (ValueError, AttributeError):
            return v
    return v


def _kv_table(pairs: Sequence[tuple[str, Any]]) -> str:
    rows = "".join(f"<tr><th>{_e(k)}</th>{_cell(_py(v))}</tr>" for k, v in pairs)
    return f"<table><tbody>{rows}</tbody></table>"


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{_e(title)}</h2>\n{body}\n</section>'


def _page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]]) -> str:
    nav = "".join(f'<a href="#{a}">{_e(t)}</a>' for a, t, _ in sections)
    body = "\n".join(_section(a, t, b) for a, t, b in sections)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            # no request may leave the page: nothing but inline styles and data: images
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:\">\n"
            f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            f"<header><h1>{_e(title)}</h1><p>{_e(subtitle)}</p></header>\n"
            f"<nav>{nav}</nav>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


def default_map_rounds(rounds: pd.DataFrame) -> list[int]:
    """The rounds the map shows unless told: the first meeting, the middle one, the last."""
    played = [int(r) for r in rounds["round"] if int(r) > 0] or [0]
    picks = [played[0], played[len(played) // 2], played[-1]]
    return list(dict.fromkeys(picks))


def _facts(pairs: Sequence[tuple[str, str]]) -> str:
    return '<div class="facts">' + "".join(
        f'<div class="fact"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in pairs) + "</div>"


def run_report(rounds: pd.DataFrame, actors: pd.DataFrame, events: Sequence[str],
               run: Mapping[str, Any], *, extra: Mapping[str, pd.DataFrame] | None = None,
               places: Mapping[str, Place] | None = None,
               map_rounds: Sequence[int] | None = None) -> str:
    """The report of one run as a self-contained HTML page.

    ``rounds``, ``actors``, ``events`` and ``run`` are what ``negotiate run --out DIR`` wrote
    (``rounds.csv``, ``actors.csv``, ``events.txt``, ``run.json``); ``extra`` the ceasefire
    tables when present (``outcomes``, ``ceasefire_states``, ``ceasefire_events``);
    ``places`` each actor's name and lon/lat from the scenario (without it the map section
    says so); ``map_rounds`` the rounds the map shows (default :func:`default_map_rounds`).
    """
    extra = dict(extra or {})
    rounds = rounds.sort_values("round").reset_index(drop=True)
    actors = actors.sort_values(["round", "actor"], kind="stable").reset_index(drop=True)
    last = rounds.iloc[-1]
    names = {c: p.name for c, p in (places or {}).items()}
    dates = {int(r): str(d) for r, d in zip(rounds["round"], rounds["date"].fillna(""),
                                            strict=True)}
    sections: list[tuple[str, str, str]] = []
    titles = dict(RUN_SECTIONS)

    counts = [(STANCE_LABELS[s], str(int(last[s]))) for s in STANCE_COLOURS if s in last]
    final = actors[actors["round"] == actors["round"].max()]
    who = "".join(
        f"<tr><th>{_e(STANCE_LABELS.get(s, s))}</th><td>{_e(', '.join(sorted(g['actor'])))}"
        "</td></tr>" for s, g in final.groupby("stance", sort=False))
    blocked = final[final["blocked_by"].fillna("").astype(str) != ""]
    blocked_note = ("" if blocked.empty else '<p class="note">blocked by a condition that '
                    "cannot be met: " + _e(", ".join(
                        f"{a} ({b})" for a, b in zip(blocked["actor"], blocked["blocked_by"],
                                                     strict=True))) + "</p>")
    sections.append(("stances", titles["stances"],
                     _facts(counts) + stance_figure(rounds)
                     + f"<p class=\"note\">after round {int(last['round'])}:</p>"
                     + f"<table><tbody>{who}</tbody></table>" + blocked_note))

    sections.append(("paths", titles["paths"],
                     '<p class="note">stated positions (solid) and ideals (dotted) on 0..100; '
                     "presence: 0 none … 60 a reassurance force after a ceasefire … 100 combat "
                     "troops now; guarantee: support and guarantees from outside Ukraine. "
                     "Panel colour: the stance after the last round.</p>"
                     + paths_figure(actors, names)))

    if places:
        at = list(map_rounds) if map_rounds else default_map_rounds(rounds)
        body = ('<p class="note">capitals by longitude and latitude; states outside Europe '
                "(thick ring) are drawn on the window's edge.</p>"
                + map_figure(actors, places, at, dates))
    else:
        body = ('<p class="note">no map: the scenario named in run.json could not be read, '
                "so the states' locations are unknown.</p>")
    sections.append(("map", titles["map"], body))

    pcols = [c for c in actors.columns if c.startswith("pledge_")]
    standing = final[["actor", *pcols]].copy()
    standing["total"] = standing[pcols].sum(axis=1)
    standing = standing[standing["total"] > 0].sort_values("total", ascending=False)
    standing.columns = [c.removeprefix("pledge_") for c in standing.columns]
    sections.append(("pledges", titles["pledges"],
                     _facts([("contributors", str(int(last["contributors"]))),
                             ("ground troops pledged", f"{last['troops_pledged']:,.0f}"),
                             ("troops intended after a ceasefire",
                              f"{last.get('troops_intended', 0):,.0f}")])
                     + pledge_figure(actors, rounds)
                     + '<p class="note">what stands after the last round, by actor '
                       "(persons):</p>" + html_table(standing)))

    sections.append(("threat", titles["threat"],
                     _facts([("threat after the last round", f"{last['russia_threat']:.2f}"),
                             ("highest threat", f"{rounds['russia_threat'].max():.2f}")])
                     + threat_figure(rounds)))

    sections.append(("ceasefire", titles["ceasefire"],
                     _ceasefire_body(extra, run.get("ladder_rungs") or [])))

    items = "".join(f"<li>{_e(line)}</li>" for line in events if line.strip())
    sections.append(("events", titles["events"],
                     f'<p class="note">{sum(1 for e in events if e.strip())} events</p>'
                     f'<ol class="events">{items}</ol>'))

    sections.append(("parameters", titles["parameters"], _parameters_body(run)))
    title = str(run.get("scenario_name") or "Run report")
    subtitle = (f"seed {run.get('seed')}, {run.get('rounds')} rounds, mechanism "
                f"{(run.get('parameters') or {}).get('mechanism', '?')}")
    return _page(title, subtitle, sections)


def _ceasefire_body(extra: Mapping[str, pd.DataFrame], rungs: Sequence[str]) -> str:
    outcomes = extra.get("outcomes")
    if outcomes is None or outcomes.empty:
        return ('<p class="note">no ceasefire phase in this run (the scenario has no '
                "[ceasefire] section, or ceasefire_phase = false).</p>")
    o = outcomes.iloc[0]
    held = bool(o.get("ceasefire_held", False))
    top = int(o.get("highest_rung", 0) or 0)
    rung = "none" if top <= 0 else (rungs[top - 1] if top <= len(rungs) else f"rung {top}")
    facts = [("ceasefire over the horizon", "held" if held else "collapsed"),
             ("violations", str(int(o.get("violations", 0)))),
             ("de-escalated", str(int(o.get("deescalated", 0)))),
             ("highest rung reached", rung),
             ("exposure (person-days)", f"{float(o.get('exposure', 0.0)):,.0f}")]
    body = _facts(facts) + _kv_table(list(o.items()))
    states = extra.get("ceasefire_states")
    if states is not None and not states.empty:
        body += '<p class="note">per state:</p>' + html_table(states)
    ev = extra.get("ceasefire_events")
    if ev is not None and not ev.empty and "text" in ev:
        items = "".join(f"<li>day {int(d)}: {_e(t)}</li>"
                        for d, t in zip(ev["day"], ev["text"], strict=True))
        body += f'<p class="note">the phase, hour by hour:</p><ol class="events">{items}</ol>'
    return body


def _parameters_body(run: Mapping[str, Any]) -> str:
    params = run.get("parameters") or {}
    sets = run.get("set") or []
    top = [("scenario", run.get("scenario", "")), ("seed", run.get("seed")),
           ("rounds", run.get("rounds")), ("ladder", run.get("ladder") or "the scenario's"),
           ("--set", ", ".join(sets) if sets else "none")]
    versions = list((run.get("versions") or {}).items())
    rungs = run.get("ladder_rungs") or []
    body = '<div class="cols"><div>' + _kv_table(top)
    if versions:
        body += '<p class="note">versions:</p>' + _kv_table(versions)
    if rungs:
        body += '<p class="note">ceasefire ladder:</p><ol>' + "".join(
            f"<li>{_e(r)}</li>" for r in rungs) + "</ol>"
    body += "</div><div>" + _kv_table([(k, _show(v)) for k, v in params.items()])
    return body + "</div></div>"


def _show(v: Any) -> Any:
    return "—" if v is None else v


# -- the sweep report ------------------------------------------------------------------------
def distribution_figure(outcomes: pd.DataFrame, outcome: str, labels: Mapping[int, str]) -> str:
    """One box per design point: the distribution of ``outcome`` over its replications
    (every run a dot on top). Up to eight design points are labelled with their parameters;
    more are numbered (the design table says which is which)."""
    points = sorted(outcomes["design_point"].unique())
    data = [outcomes.loc[outcomes["design_point"] == p, outcome].astype(float).dropna()
            for p in points]
    n = len(points)
    fig = _figure(min(12.0, max(5.0, 0.22 * n + 2.5 if n > 8 else 1.3 * n + 2.5)), 2.8)
    ax = fig.add_subplot()
    ax.boxplot([d.tolist() for d in data], positions=list(range(n)), widths=0.6,
               showfliers=False, medianprops={"color": THREAT_COLOUR})
    for k, d in enumerate(data):
        ax.scatter([k] * len(d), d.tolist(), s=8, color="#1f2933", alpha=0.5, zorder=3)
    if n <= 8:
        ax.set_xticks(range(n), [labels.get(p, str(p)).replace(", ", "\n") for p in points],
                      fontsize=7)
    else:
        step = max(1, math.ceil(n / 30))
        ax.set_xticks(range(0, n, step), [str(p) for p in points[::step]], fontsize=7)
        ax.set_xlabel("design point", fontsize=8)
    ax.set_title(outcome, fontsize=10, loc="left")
    ax.tick_params(axis="y", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def _fmt(x: float) -> str:
    """12,345 for large numbers, 3 significant digits for the others."""
    if math.isnan(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def _point_labels(design: pd.DataFrame) -> dict[int, str]:
    cols = [c for c in design.columns if c != "design_point"]
    out = {}
    for _, row in design.iterrows():
        parts = [f"{c}={_short(row[c])}" for c in cols]
        out[int(row["design_point"])] = f"{int(row['design_point'])}: " + ", ".join(parts)
    return out


def _short(v: Any) -> str:
    v = _py(v)
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def sweep_outcome_columns(outcomes: pd.DataFrame) -> list[str]:
    """The outcomes worth a figure: numeric, not bookkeeping, and varying or not."""
    skip = {"run_id", "design_point", "replication", "seed", "round"}
    return [c for c in outcomes.columns if c not in skip
            and (pd.api.types.is_numeric_dtype(outcomes[c])
                 or pd.api.types.is_bool_dtype(outcomes[c]))]


def sweep_report(outcomes: pd.DataFrame, design: pd.DataFrame, manifest: Mapping[str, Any], *,
                 sensitivity: Mapping[str, pd.DataFrame] | None = None,
                 outcome_columns: Sequence[str] | None = None) -> str:
    """The report of a sweep as a self-contained HTML page: the design points, the
    distribution of each outcome over the replications at each design point, the sensitivity
    indices that were computed (``sensitivity``: table name → the table
    ``negotiate sensitivity`` wrote), and what the manifest says of the sweep."""
    titles = dict(SWEEP_SECTIONS)
    labels = _point_labels(design)
    cols = list(outcome_columns or sweep_outcome_columns(outcomes))
    sections = [("design", titles["design"],
                 f'<p class="note">{len(design)} design points, {len(outcomes)} runs</p>'
                 f'<div class="scroll">{html_table(design, max_rows=10_000)}</div>')]
    constant = [c for c in cols if outcomes[c].astype(float).nunique(dropna=False) <= 1]
    figs = "".join(distribution_figure(outcomes, c, labels) for c in cols if c not in constant)
    if constant:
        figs += '<p class="note">the same in every run: ' + _e("; ".join(
            f"{c} = {_fmt(float(outcomes[c].iloc[0]))}" for c in constant)) + "</p>"
    table = ""
    if cols:
        g = outcomes.groupby("design_point")[cols]
        mean, sd = g.mean(), g.std(ddof=1)
        cells = mean.copy().astype(object)
        for c in cols:
            cells[c] = [_fmt(m) + ("" if math.isnan(v) else f" ± {_fmt(v)}")
                        for m, v in zip(mean[c].astype(float), sd[c].astype(float),
                                        strict=True)]
        table = ('<p class="note">mean ± sd over the replications, per design point:</p>'
                 f'<div class="scroll">{html_table(cells.reset_index(), max_rows=10_000)}'
                 "</div>")
    sections.append(("outcomes", titles["outcomes"],
                     (figs or '<p class="note">no numeric outcome</p>') + table))
    if sensitivity:
        body = "".join(f"<h3>{_e(name)}</h3>" + html_table(t)
                       for name, t in sorted(sensitivity.items()))
    else:
        body = ('<p class="note">none computed for this sweep (<code>negotiate sensitivity '
                "FILE --method sobol|morris --outcome NAME --out DIR</code> writes them into "
                "the sweep's directory).</p>")
    sections.append(("sensitivity", titles["sensitivity"], body))
    keep = [(k, v) for k, v in manifest.items() if not isinstance(v, dict | list)]
    nested = [(f"{k}.{k2}", v2) for k, v in manifest.items() if isinstance(v, dict)
              for k2, v2 in v.items() if not isinstance(v2, dict | list)]
    sections.append(("provenance", titles["provenance"], _kv_table(keep + nested)))
    given = manifest.get("name") or manifest.get("sweep_file") or "sweep"
    name = str(given).replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".toml")
    return _page(f"Sweep: {name}", f"{len(outcomes)} runs over {len(design)} design points, "
                 f"{manifest.get('replications', '?')} replications each, seed "
                 f"{manifest.get('seed', '?')}",
                 sections)
