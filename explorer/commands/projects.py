"""``projects``: the projects the API key can see, as a table or a JSON array.

A key that may not list projects (401/403/422 on ``GET /api/v2/projects``: an organization key
without ``--organization``, or a key scoped to one project) still has a default project, where
every command finds its jobs: it is shown alone, with a one-line note on stderr, as the TUI does.
When even that project's job list refuses the key, the key is rejected (exit 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from explorer.api.errors import AuthError, BadRequestError
from explorer.api.models import Project
from explorer.commands import output
from explorer.commands.base import command, new_parser, settings_for
from explorer.commands.jobref import Connection, run_with_connection
from explorer.core.present import format_timestamp
from explorer.core.source import KEY_PROJECT, PROJECTS_HIDDEN

__all__ = ["build_projects_parser", "cmd_projects", "projects_table"]

#: The name of the key's default project when projects cannot be listed (as the TUI says).
KEY_PROJECT_NAME = "Default project of this key"


def build_projects_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer projects``."""
    parser = new_parser(
        "projects",
        "List the projects the API key can see: id, name, organization, default, created.",
    )
    parser.add_argument("--json", action="store_true", help="the projects as a JSON array")
    return parser


@dataclass
class _Listed:
    """The projects, or (``hidden``) only the key's default project, its id when known."""

    projects: list[Project]
    hidden: bool = False


def projects_table(projects: Sequence[Project]) -> str:
    """Projects as an aligned, terminal-safe table; the default one marked ``default``."""
    rows = [
        [
            output.cell(p.id, 60),
            output.cell(p.name or "-", 40),
            output.cell(p.organization_id or "-", 60),
            "default" if p.is_default else "",
            format_timestamp(p.created_at),
        ]
        for p in projects
    ]
    return output.render_table(["ID", "NAME", "ORGANIZATION", "DEFAULT", "CREATED"], rows)


def _json_of(project: Project, hidden: bool) -> dict[str, Any]:
    data = project.model_dump(mode="json")
    if hidden and project.id == KEY_PROJECT:
        data["id"] = None  # a placeholder is no id
    return data


async def _fetch(conn: Connection) -> _Listed:
    client = await conn.client()
    try:
        return _Listed(await client.list_projects())
    except (AuthError, BadRequestError):
        pass
    # The key may not list projects; its default project still lists jobs (a rejected key
    # fails here too, and that error ends the command). A job there names the project's id.
    page = await client.list_jobs(page_size=1)
    ids = [job.project_id for job in page.items if job.project_id]
    project_id = client.project_id or (ids[0] if ids else KEY_PROJECT)
    return _Listed([Project(id=project_id, name=KEY_PROJECT_NAME, is_default=True)], hidden=True)


@command
def cmd_projects(argv: Sequence[str]) -> int:
    """``extract-explorer projects [--json]``."""
    args = build_projects_parser().parse_args(argv)
    settings = settings_for(args)
    listed = run_with_connection(settings, _fetch)
    if listed.hidden:
        output.note(PROJECTS_HIDDEN)
    if args.json:
        output.write_out(output.json_text([_json_of(p, listed.hidden) for p in listed.projects]))
    elif listed.projects:
        output.write_out(projects_table(listed.projects))
    else:
        output.note("no projects")
    return 0
