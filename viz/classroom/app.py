"""The class session app: ``negotiate class`` or ``solara run viz/classroom/app.py --production``.

Routes: ``/`` students (join with the code, then play a state), ``/teacher?key=…`` the
teacher (key printed at start-up), ``/projector`` the common view, ``/debrief`` the replay.
One server process: the pages share :data:`viz.classroom.hub.HUB`.
"""

from __future__ import annotations

import solara

from viz.classroom.pages import DebriefPage, ProjectorPage, StudentPage, TeacherPage


@solara.component
def Layout(children=[]):  # noqa: B006 - Solara's signature
    """No app bar, no navigation tabs: a student sees their own page only."""
    solara.Column(style="padding: 12px 20px", children=children)


routes = [
    solara.Route(path="/", component=StudentPage, label="Student", layout=Layout),
    solara.Route(path="teacher", component=TeacherPage, label="Teacher", layout=Layout),
    solara.Route(path="projector", component=ProjectorPage, label="Projector", layout=Layout),
    solara.Route(path="debrief", component=DebriefPage, label="Debrief", layout=Layout),
]
