"""The coalition map: every state at its capital, drawn as plain SVG (no tiles, no download).

- a node per actor at the capital's longitude/latitude from the scenario (an equirectangular
  projection of Europe; actors beyond it sit on the edge, marked with an arrow);
- node area proportional to capability (military spending), fill colour = bloc;
- a ring around the node, one sector per contribution type, drawn where the state pledges it;
- a shaded hull around the states pledging ground troops, and lines between friends who
  both contribute (thick when both send ground troops): who commits alongside whom;
- Russia's threat level as a red halo around Moscow and a gauge in the corner.

:func:`map_svg` is a pure function of the model (testable without a browser); the component
:func:`CoalitionMap` refreshes it on every step.
"""

from __future__ import annotations

import math
from html import escape

import solara

from viz.style import (
    BLOC_COLOURS,
    STANCE_COLOURS,
    STANCE_LABELS,
    THREAT_COLOUR,
    TYPE_COLOURS,
    TYPE_ORDER,
    fmt_int,
)

# The drawn window (degrees) and the SVG canvas (pixels).
LON_MIN, LON_MAX = -25.0, 45.0
LAT_MIN, LAT_MAX = 34.0, 67.0
WIDTH = 720
PAD = 28
_KX = math.cos(math.radians(50.0))  # shrink longitudes at ~50° N so shapes look right
HEIGHT = round((WIDTH - 2 * PAD) * (LAT_MAX - LAT_MIN) / ((LON_MAX - LON_MIN) * _KX)) + 2 * PAD
LEGEND_H = 64


def project(lon: float, lat: float) -> tuple[float, float, bool]:
    """Pixel (x, y) of a point, clamped to the window; ``True`` when it was outside."""
    outside = not (LON_MIN <= lon <= LON_MAX and LAT_MIN <= lat <= LAT_MAX)
    lon_c = min(max(lon, LON_MIN), LON_MAX)
    lat_c = min(max(lat, LAT_MIN), LAT_MAX)
    x = PAD + (lon_c - LON_MIN) / (LON_MAX - LON_MIN) * (WIDTH - 2 * PAD)
    y = PAD + (LAT_MAX - lat_c) / (LAT_MAX - LAT_MIN) * (HEIGHT - 2 * PAD)
    return x, y, outside


def radius(capability: float) -> float:
    """Node radius in pixels: area grows with capability, within readable bounds."""
    return min(30.0, 5.0 + 0.9 * math.sqrt(max(capability, 0.0)))


def _spread_offmap(nodes: list[dict]) -> None:
    """Actors clamped to the same edge would overlap: stack them along it."""
    groups: dict[float, list[dict]] = {}
    for node in nodes:
        if node["outside"]:
            groups.setdefault(round(node["x"]), []).append(node)
    for group in groups.values():
        group.sort(key=lambda n: n["y"])
        for above, below in zip(group, group[1:], strict=False):
            below["y"] = max(below["y"], above["y"] + above["r"] + below["r"] + 6)
        overflow = group[-1]["y"] - (HEIGHT - PAD)
        if overflow > 0:  # push the whole stack back up from the bottom edge
            for node in group:
                node["y"] -= overflow


def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Convex hull (Andrew's monotone chain), counter-clockwise."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _arc(cx: float, cy: float, r: float, start_deg: float, end_deg: float) -> str:
    """SVG path of a circular arc, angles clockwise from 12 o'clock."""
    a0, a1 = math.radians(start_deg - 90), math.radians(end_deg - 90)
    x0, y0 = cx + r * math.cos(a0), cy + r * math.sin(a0)
    x1, y1 = cx + r * math.cos(a1), cy + r * math.sin(a1)
    large = 1 if end_deg - start_deg > 180 else 0
    return f"M{x0:.1f},{y0:.1f} A{r:.1f},{r:.1f} 0 {large} 1 {x1:.1f},{y1:.1f}"


def _nodes(model) -> list[dict]:
    nodes = []
    for agent in model.states.values():
        x, y, outside = project(agent.lon, agent.lat)
        nodes.append({
            "agent": agent, "code": agent.code, "x": x, "y": y, "outside": outside,
            "r": radius(agent.capability),
        })
    _spread_offmap(nodes)
    return nodes


def _tooltip(agent, model) -> str:
    lines = [f"{agent.name} ({agent.code}): {STANCE_LABELS.get(agent.stance, agent.stance)}",
             f"presence {agent.presence:.0f}, guarantee {agent.guarantee:.0f} "
             f"(scales {model.scale[0]:.0f}–{model.scale[1]:.0f})",
             f"capability {agent.capability:g}"]
    if agent.blocked_by:
        lines.append(f"blocked: {agent.blocked_by.replace('_', ' ')} (Russia's veto)")
    if agent.intended:
        lines.append("declared for after a ceasefire: " + ", ".join(
            f"{k} {fmt_int(v)}" for k, v in sorted(agent.intended.items())))
    if agent.pledges:
        lines.append("pledges: " + ", ".join(
            f"{k} {fmt_int(v)}" for k, v in sorted(agent.pledges.items())))
    if agent.unmet and agent.kind == "state":
        lines.append("waiting for: " + ", ".join(agent.unmet))
    return "\n".join(lines)


def map_svg(model) -> str:
    """The coalition map of the model's current round as an SVG string."""
    nodes = _nodes(model)
    by_code = {n["code"]: n for n in nodes}
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + LEGEND_H}" '
        f'width="100%" role="img" aria-label="Coalition map, round {model.round}" '
        f'font-family="sans-serif" class="viz-map-svg" data-round="{model.round}">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f4f7fb" rx="6"/>',
    ]
    # graticule every 10 degrees, for orientation
    for lon in range(-20, 50, 10):
        x, _, _ = project(lon, LAT_MIN)
        out.append(f'<line x1="{x:.1f}" y1="{PAD}" x2="{x:.1f}" y2="{HEIGHT - PAD}" '
                   'stroke="#dde3ea" stroke-width="1"/>')
        out.append(f'<text x="{x:.1f}" y="{HEIGHT - 8}" font-size="9" fill="#9aa5b1" '
                   f'text-anchor="middle">{abs(lon)}°{"W" if lon < 0 else "E"}</text>')
    for lat in range(40, 70, 10):
        _, y, _ = project(LON_MIN, lat)
        out.append(f'<line x1="{PAD}" y1="{y:.1f}" x2="{WIDTH - PAD}" y2="{y:.1f}" '
                   'stroke="#dde3ea" stroke-width="1"/>')
        out.append(f'<text x="4" y="{y + 3:.1f}" font-size="9" fill="#9aa5b1">{lat}°N</text>')

    # who commits alongside whom: hull of the ground-troop states ...
    committed = [n for n in nodes if n["agent"].kind == "state" and n["agent"].committed]
    pts = _hull([(n["x"], n["y"]) for n in committed])
    colour = BLOC_COLOURS["committed"]
    if len(pts) >= 3:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        out.append(f'<polygon points="{path}" fill="{colour}" fill-opacity="0.25" '
                   f'stroke="{colour}" stroke-opacity="0.25" stroke-width="22" '
                   'stroke-linejoin="round" class="viz-hull"/>')
    elif len(pts) == 2:
        (x0, y0), (x1, y1) = pts
        out.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
                   f'stroke="{colour}" stroke-opacity="0.25" stroke-width="22" '
                   'stroke-linecap="round" class="viz-hull"/>')
    # ... and lines between friends who both contribute
    seen = set()
    for n in nodes:
        a = n["agent"]
        if not a.contributor:
            continue
        for f in a.friends:
            m = by_code.get(f)
            if m is None or not m["agent"].contributor or frozenset((a.code, f)) in seen:
                continue
            seen.add(frozenset((a.code, f)))
            both = a.committed and m["agent"].committed
            far = ' stroke-dasharray="2,4"' if n["outside"] or m["outside"] else ""
            out.append(
                f'<line x1="{n["x"]:.1f}" y1="{n["y"]:.1f}" x2="{m["x"]:.1f}" y2="{m["y"]:.1f}" '
                f'stroke="{colour if both else "#7b8794"}" '
                f'stroke-width="{3 if both else 1}" stroke-opacity="{0.9 if both else 0.45}"'
                f'{far} class="viz-edge{" viz-edge-committed" if both else ""}"/>')

    # Russia's threat: a halo around the opposer
    threat = float(model.russia_threat)
    if model.opposer is not None:
        n = by_code[model.opposer.code]
        halo = n["r"] + 6 + 40 * threat
        out.append(f'<circle cx="{n["x"]:.1f}" cy="{n["y"]:.1f}" r="{halo:.1f}" '
                   f'fill="{THREAT_COLOUR}" fill-opacity="{0.08 + 0.3 * threat:.2f}" '
                   'class="viz-threat-halo"/>')

    # nodes, largest first so that small states stay visible on top
    for n in sorted(nodes, key=lambda n: -n["r"]):
        a, x, y, r = n["agent"], n["x"], n["y"], n["r"]
        fill = STANCE_COLOURS.get(a.stance, "#999")
        stroke = "#0057b7" if a.kind == "host" else "#3e4c59"
        dash = ' stroke-dasharray="3,2"' if n["outside"] else ""
        out.append(f'<g class="viz-node" data-code="{a.code}" data-bloc="{a.bloc}" '
                   f'data-stance="{a.stance}">'
                   f'<title>{escape(_tooltip(a, model))}</title>')
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}" '
                   f'fill-opacity="0.9" stroke="{stroke}" stroke-width="1.5"{dash}/>')
        step = 360 / len(TYPE_ORDER)
        for k, kind in enumerate(TYPE_ORDER):
            if a.pledges.get(kind, 0) > 0:
                out.append(f'<path d="{_arc(x, y, r + 3.5, k * step + 4, (k + 1) * step - 4)}" '
                           f'stroke="{TYPE_COLOURS[kind]}" stroke-width="3.5" fill="none" '
                           f'class="viz-ring viz-ring-{kind}"/>')
        if n["outside"]:
            left = x < WIDTH / 2
            ax = x - r - 8 if left else x + r + 8
            out.append(f'<text x="{ax:.1f}" y="{y + 4:.1f}" font-size="12" fill="#52606d" '
                       f'text-anchor="middle">{"◀" if left else "▶"}</text>')
        label_x = x + (r + 6 if not (n["outside"] and x > WIDTH / 2) else -(r + 6))
        anchor = "start" if label_x > x else "end"
        out.append(f'<text x="{label_x:.1f}" y="{y + 4:.1f}" font-size="11" fill="#1f2933" '
                   f'text-anchor="{anchor}" font-weight="600" paint-order="stroke" '
                   f'stroke="#f4f7fb" stroke-width="3">{escape(a.code)}</text></g>')

    # threat gauge (top right)
    gx, gy, gw = WIDTH - PAD - 160, PAD - 14, 150
    out.append(f'<g class="viz-threat" data-threat="{threat:.2f}">'
               f'<text x="{gx}" y="{gy}" font-size="11" fill="#1f2933">'
               f'Russia\'s threat level {threat:.2f}</text>'
               f'<rect x="{gx}" y="{gy + 5}" width="{gw}" height="8" rx="4" fill="#e4e7eb"/>'
               f'<rect x="{gx}" y="{gy + 5}" width="{gw * threat:.1f}" height="8" rx="4" '
               f'fill="{THREAT_COLOUR}"/></g>')
    out.append(_legend())
    out.append("</svg>")
    return "".join(out)


def _legend() -> str:
    y0 = HEIGHT + 14
    parts = ['<g class="viz-legend" font-size="11" fill="#1f2933">']
    x = PAD
    for stance, label in STANCE_LABELS.items():
        parts.append(f'<circle cx="{x + 6}" cy="{y0}" r="6" fill="{STANCE_COLOURS[stance]}" '
                     'stroke="#3e4c59"/>'
                     f'<text x="{x + 16}" y="{y0 + 4}">{escape(label)}</text>')
        x += 26 + 6.0 * len(label)
    y1 = y0 + 22
    parts.append(f'<text x="{PAD}" y="{y1 + 4}">Ring, clockwise from the top:</text>')
    x = PAD + 170
    for kind in TYPE_ORDER:
        parts.append(f'<rect x="{x}" y="{y1 - 2}" width="14" height="4" '
                     f'fill="{TYPE_COLOURS[kind]}"/><text x="{x + 18}" y="{y1 + 4}">{kind}</text>')
        x += 30 + 7 * len(kind)
    y2 = y1 + 20
    parts.append(f'<text x="{PAD}" y="{y2 + 4}" fill="#52606d">Node area: military spending. '
                 'Green hull: states pledging ground troops; lines: friends who both '
                 'contribute. ◀ ▶ capital beyond the map.</text>')
    parts.append("</g>")
    return "".join(parts)


@solara.component
def CoalitionMap(model, version: int = 0):
    """The map, redrawn after every step, what-if and reset."""
    svg = map_svg(model)
    with solara.Card("Coalition map", classes=["viz-map-card"], margin=0):
        solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["viz-map"],
                    style="width: 100%; max-width: 900px;")
