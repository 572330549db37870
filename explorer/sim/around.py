"""The API around the job: projects, files and saved configurations, as the SDK declares them.

Scoping (one rule for jobs, files and parse jobs): a request that names a project addresses
that project; a request that names none addresses the key's default project (the named
organization's default project when it names only `organization_id`). Anything outside the
addressed project is "not found", for GET, cancel, delete and for the jobs and files lists
filtered by ids alike. Saved configurations are shared by the projects the key can see.

Keys come in three kinds (`SimConfig.key_kind`):

- `user` (the default, the demo): the key sees every project of every organization it belongs
  to; `GET /api/v2/projects` works without `organization_id`.
- `organization`: listing projects needs `organization_id` (a 422 without it), as the real
  service documents for keys that are not project-scoped.
- `project`: the key is scoped to the default project; it lists only that project and
  everything in other projects is a 403.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .documents import KINDS
from .errors import ApiError, invalid, not_found
from .files import FileRecord
from .paging import cursor_page, page_size_of

if TYPE_CHECKING:
    from .state import SimState
    from .world import Project

PROJECT_PAGE = (20, 100)  # default, maximum page size
FILE_PAGE = (50, 1000)
CONFIG_PAGE = (20, 100)
FILE_ORDERS = ("name", "id", "created_at")
PRODUCT_TYPES = ("classify_v2", "extract_v2", "parse_v2", "split_v1", "spreadsheet_v1", "unknown")
# the ExtractV2Parameters fields a saved configuration carries (the SDK's model)
PARAMETER_KEYS = (
    "data_schema",
    "advanced_citations",
    "cite_sources",
    "confidence_scores",
    "disable_cache",
    "extraction_target",
    "max_pages",
    "parse_config_id",
    "parse_tier",
    "sheet_names",
    "spreadsheet_mode",
    "system_prompt",
    "target_pages",
    "tier",
    "version",
)


def _one(query: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


# --- projects ---------------------------------------------------------------------------------


def list_projects(state: SimState, query: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """`GET /api/v2/projects`: a cursor page of the projects the key can see."""
    org = _one(query, "organization_id")
    kind = state.config.key_kind
    if kind == "organization" and not org:
        raise invalid("query", "organization_id", "organization_id is required for this key")
    size = page_size_of(_one(query, "page_size"), *PROJECT_PAGE)
    name = _one(query, "name")
    projects = [
        p
        for p in state.projects.values()
        if (not org or p.organization_id == org)
        and (name is None or p.name == name)
        and (kind != "project" or p is state.default_project)
    ]
    projects.sort(key=lambda p: (p.created, p.id))
    page, token = cursor_page(
        projects,
        lambda p: [p.created, p.id],
        kind="projects",
        page_size=size,
        page_token=_one(query, "page_token"),
    )
    return {"items": [state.project_json(p) for p in page], "next_page_token": token}


def get_project(state: SimState, project_id: str) -> dict[str, Any]:
    """`GET /api/v2/projects/{id}`."""
    project = state.projects.get(project_id)
    if project is None:
        raise not_found("Project", project_id)
    check_access(state, project)
    return state.project_json(project)


def check_access(state: SimState, project: Project) -> None:
    """A 403 when a project-scoped key reaches outside its project."""
    if state.config.key_kind == "project" and project is not state.default_project:
        raise ApiError(403, f"This API key is scoped to another project than {project.id}")


# --- files ------------------------------------------------------------------------------------


def file_json(state: SimState, f: FileRecord) -> dict[str, Any]:
    """A file as `GET /api/v1/beta/files/{id}` returns it."""
    return {
        "id": f.id,
        "name": f.name,
        "project_id": f.project_id,
        "file_type": f.file_type,
        "external_file_id": None,
        "purpose": "extract",
        "last_modified_at": state.clock.iso(f.created),
        "expires_at": None,
    }


def list_files(
    state: SimState, project: Project, query: Mapping[str, Sequence[str]]
) -> dict[str, Any]:
    """`GET /api/v1/beta/files`: a cursor page of one project's files, filtered."""
    size = page_size_of(_one(query, "page_size"), *FILE_PAGE)
    order = _one(query, "order_by") or "created_at"
    if order not in FILE_ORDERS:
        raise invalid("query", "order_by", f"order_by must be one of {', '.join(FILE_ORDERS)}")
    ids = {i.strip() for v in query.get("file_ids", []) for i in v.split(",") if i.strip()}
    name = _one(query, "file_name")
    external = _one(query, "external_file_id")
    files = [
        f
        for f in state.project_files(project.id)
        if (not ids or f.id in ids)
        and (name is None or f.name == name)
        and (external is None or external == "")  # no file here has an external id
    ]
    if order == "name":
        key: Any = lambda f: [f.name, f.id]  # noqa: E731
    elif order == "id":
        key = lambda f: f.id  # noqa: E731
    else:
        key = lambda f: [-f.created, f.id]  # noqa: E731
    files.sort(key=key)
    page, token = cursor_page(
        files, key, kind=f"files:{order}", page_size=size, page_token=_one(query, "page_token")
    )
    return {"items": [file_json(state, f) for f in page], "next_page_token": token}


def scoped_file(state: SimState, file_id: str, project: Project) -> FileRecord:
    """The file a path names, in the addressed project, or a 404."""
    f = state.file(file_id)
    if f is None or f.project_id != project.id:
        raise not_found("File", file_id)
    return f


# --- saved configurations ---------------------------------------------------------------------


def configuration_json(state: SimState, cid: str) -> dict[str, Any]:
    """A saved extract configuration as `GET /api/v1/beta/configurations/{id}` returns it."""
    saved = state.configurations[cid]
    body = saved["configuration"]
    parameters = {k: body.get(k) for k in PARAMETER_KEYS}
    parameters["product_type"] = "extract_v2"
    return {
        "id": cid,
        "name": saved["name"],
        "product_type": "extract_v2",
        "version": state.clock.iso(saved["updated"]),
        "parameters": parameters,
        "created_at": state.clock.iso(saved["created"]),
        "updated_at": state.clock.iso(saved["updated"]),
    }


def list_configurations(state: SimState, query: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """`GET /api/v1/beta/configurations`: a cursor page of saved configurations."""
    size = page_size_of(_one(query, "page_size"), *CONFIG_PAGE)
    types = query.get("product_type", [])
    bad = [t for t in types if t not in PRODUCT_TYPES]
    if bad:
        raise invalid("query", "product_type", f"Input should be one of {', '.join(PRODUCT_TYPES)}")
    name = _one(query, "name")
    ids = [
        cid
        for cid, saved in state.configurations.items()
        if (not types or "extract_v2" in types) and (name is None or saved["name"] == name)
    ]
    ids.sort(key=lambda cid: (-state.configurations[cid]["updated"], cid))
    page, token = cursor_page(
        ids,
        lambda cid: [-state.configurations[cid]["updated"], cid],
        kind="configurations",
        page_size=size,
        page_token=_one(query, "page_token"),
    )
    return {"items": [configuration_json(state, c) for c in page], "next_page_token": token}


def known_configuration(state: SimState, cid: str) -> str:
    """A saved configuration id, or a 404 (saved configurations are shared by the projects
    the key can see: jobs of several projects run on the same one)."""
    if cid not in state.configurations:
        raise not_found("Configuration", cid)
    return cid


# --- schema generation ------------------------------------------------------------------------

_PROMPT_KINDS = (
    ("receipt", "receipt"),
    ("resume", "resume"),
    ("cv", "resume"),
    ("contract", "contract"),
    ("agreement", "contract"),
    ("statement", "bank_statement"),
    ("transaction", "bank_statement"),
    ("report", "report"),
    ("onboarding", "onboarding"),
    ("invoice", "invoice"),
)


def generate_schema(state: SimState, body: Any, project: Project) -> dict[str, Any]:
    """`POST /api/v2/extract/schema/generate`: a `ConfigurationCreate` for the prompt or file.

    A given `data_schema` comes back as it is (refined would mean "unchanged" here); else the
    kind of document is read from the file's jobs or from the prompt's words.
    """
    if not isinstance(body, dict):
        raise invalid("body", "body", "Request body must be a JSON object", "model_attributes_type")
    prompt = body.get("prompt")
    file_id = body.get("file_id")
    schema = body.get("data_schema")
    if prompt is None and file_id is None and schema is None:
        raise ApiError(422, "Provide at least one of prompt, file_id or data_schema")
    kind = "invoice"
    if isinstance(file_id, str):
        source = scoped_file(state, file_id, project).source
        kind = source.kind or kind
    elif isinstance(prompt, str):
        kind = next((k for word, k in _PROMPT_KINDS if word in prompt.lower()), kind)
    k = KINDS[kind]
    if not isinstance(schema, dict):
        schema = k.schema
    name = body.get("name")
    return {
        "name": name if isinstance(name, str) and name else f"Generated {kind.replace('_', ' ')}",
        "parameters": {
            "product_type": "extract_v2",
            "data_schema": schema,
            "extraction_target": k.target,
            "tier": "cost_effective",
            "cite_sources": True,
            "confidence_scores": True,
        },
    }
