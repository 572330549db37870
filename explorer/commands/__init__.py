"""The scriptable subcommands of ``extract-explorer`` (fields, check, diff, export, list, ...).

Each module holds one idea: :mod:`.base` the shared plumbing (parsers, settings, error
handling), :mod:`.output` terminal-safe text, tables and JSON, :mod:`.jobref` turning a
``JOB|FILE`` argument into a job, :mod:`.analysis` fields/check, :mod:`.page` page (and
the document ``check --grounding`` uses), :mod:`.compare` diff,
:mod:`.export` export, :mod:`.jobs` list/get/cancel/delete.

This package never imports Textual, so a command starts fast; the registry below names each
command's function without importing it (``explorer.cli`` loads it on first use).
"""

from __future__ import annotations

#: command name -> (module, function, one-line description for the help epilog)
COMMAND_TABLE: dict[str, tuple[str, str, str]] = {
    "fields": ("explorer.commands.analysis", "cmd_fields", "a job's fields with confidence"),
    "check": (
        "explorer.commands.analysis",
        "cmd_check",
        "check a result against its schema (--grounding: its citations too)",
    ),
    "page": ("explorer.commands.page", "cmd_page", "draw the page a field cites, as a PNG"),
    "diff": ("explorer.commands.compare", "cmd_diff", "compare two jobs field by field"),
    "export": ("explorer.commands.export", "cmd_export", "write a job as JSON, JSON Lines or CSV"),
    "rerun": (
        "explorer.commands.rerun",
        "cmd_rerun",
        "run a job again with settings changed; --wait --diff compares",
    ),
    "list": ("explorer.commands.jobs", "cmd_list", "list jobs as a table"),
    "watch": (
        "explorer.commands.watch",
        "cmd_watch",
        "watch jobs until they finish (--exit-status: 0 completed, 1 failed, 2 not found)",
    ),
    "projects": ("explorer.commands.projects", "cmd_projects", "the projects the key can see"),
    "get": ("explorer.commands.jobs", "cmd_get", "show one job"),
    "cancel": ("explorer.commands.jobs", "cmd_cancel", "cancel a running job (needs --yes)"),
    "delete": ("explorer.commands.jobs", "cmd_delete", "delete a finished job (needs --yes)"),
    "failures": (
        "explorer.commands.fleet",
        "cmd_failures",
        "failed jobs of every project grouped by what went wrong, and stuck jobs",
    ),
    "usage": (
        "explorer.commands.fleet",
        "cmd_usage",
        "jobs, credits, pages, failure rate per day, week, config, tier or project",
    ),
    "serve": ("explorer.commands.serve", "cmd_serve", "the explorer in a web browser"),
    "cache": (
        "explorer.commands.cache",
        "cmd_cache",
        "the local cache of jobs and documents: info, or clear",
    ),
}

__all__ = ["COMMAND_TABLE"]
