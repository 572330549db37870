"""The seeded world: organizations, projects, saved configurations and their jobs.

Built in a few milliseconds at server start. The heavy parts (the big job's rows, the bulk
project's jobs, every result) are produced later, on first read.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from . import catalog
from .catalog import DAY, JobSpec
from .config import SimConfig
from .documents import KINDS, PARSE_TIERS, seed_tier
from .ids import prefixed, rng_for
from .records import (
    CANCELLED,
    COMPLETED,
    FAILED,
    NEEDS_REVIEW,
    PENDING,
    RUNNING,
    TERMINAL,
    THROTTLED,
    JobRecord,
    Phases,
    error_message_for,
)
from .render import parse_job_id

#: The project of six weeks of jobs (explorer.sim.history).
HISTORY = "Claims pipeline"


@dataclass
class Project:
    """A LlamaCloud project."""

    id: str
    name: str
    organization_id: str
    is_default: bool
    created: float
    updated: float


@dataclass
class World:
    """Everything the server starts with."""

    projects: dict[str, Project]
    configurations: dict[str, dict[str, Any]]
    records: list[JobRecord]
    notable: dict[str, str] = field(default_factory=dict)
    #: The saved configurations by catalog key: (id, configuration).
    saved: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def default_project(self) -> Project:
        """The project used when a request names none."""
        return next(p for p in self.projects.values() if p.is_default)


def make_configuration(
    kind: str,
    tier: str,
    cite: bool,
    confidence: bool,
    parse_tier: str,
    prompt: bool,
    rng: random.Random,
) -> dict[str, Any]:
    """A configuration in current field names (render renames for the seed shape)."""
    k = KINDS[kind]
    return {
        "data_schema": k.schema,
        "cite_sources": cite,
        "confidence_scores": confidence,
        "version": rng.choice(("latest", "latest", "latest", "2.5", "2025-01-15")),
        "extraction_target": k.target,
        "lang": rng.choice(("en",) * 6 + ("de", "fr")),
        "max_pages": rng.choice((None,) * 5 + (50,)),
        "parse_config_id": None,
        "parse_tier": parse_tier,
        "system_prompt": k.system_prompt if prompt else None,
        "target_pages": None,
        "tier": tier,
        "advanced_citations": cite and tier in ("agentic", "agentic_plus") and rng.random() < 0.5,
        "disable_cache": rng.random() < 0.1,
    }


def build_world(config: SimConfig) -> World:
    """The world for `config.seed` (and `config.shape`'s tiers)."""
    seed = config.seed
    orgs = {key: prefixed("org", rng_for(seed, "org", key)) for key in ("main", "people")}
    projects: dict[str, Project] = {}
    for key, name, org, default, age in (
        ("default", "Default", "main", True, 240),
        ("finance", "Finance ops", "main", False, 130),
        ("hr", "HR intake", "people", False, 95),
        # six weeks of jobs, built when first asked for (explorer.sim.history)
        ("history", HISTORY, "main", False, 60),
    ):
        pid = prefixed("prj", rng_for(seed, "project", key))
        projects[key] = Project(pid, name, orgs[org], default, -age * DAY, -(age - 3) * DAY)
    if config.bulk_jobs > 0:
        pid = prefixed("prj", rng_for(seed, "project", "bulk"))
        projects["bulk"] = Project(pid, "Bulk", orgs["main"], False, -91 * DAY, -91 * DAY)

    tier_of = seed_tier if config.shape == "seed" else (lambda t: t)
    saved: dict[str, tuple[str, dict[str, Any]]] = {}
    configurations: dict[str, dict[str, Any]] = {}
    for key, (kind, tier, cite, conf, parse_tier, name) in catalog.SAVED.items():
        cfg_rng = rng_for(seed, "cfg", key)
        cid = prefixed("cfg", cfg_rng)
        body = make_configuration(kind, tier_of(tier), cite, conf, parse_tier, True, cfg_rng)
        saved[key] = (cid, body)
        created = -round(cfg_rng.uniform(40, 200) * DAY, 3)
        configurations[cid] = {
            "id": cid,
            "name": name,
            "configuration": body,
            "created": created,
            "updated": round(created + cfg_rng.uniform(0, 30) * DAY, 3),
        }

    builder = _JobBuilder(config, {k: p.id for k, p in projects.items()}, saved, tier_of)
    # the filler is named by its place in this list: jobs added later go after it
    specs = [
        *catalog.NOTABLE,
        *catalog.filler(rng_for(seed, "filler")),
        *catalog.GROUNDING,
    ]
    records = [builder.build(spec, i) for i, spec in enumerate(specs)]
    notable = {s.role: r.id for s, r in zip(specs, records, strict=True) if s.role}
    world = World({p.id: p for p in projects.values()}, configurations, records, notable, saved)
    return world


class _JobBuilder:
    def __init__(
        self,
        config: SimConfig,
        project_ids: dict[str, str],
        saved: dict[str, tuple[str, dict[str, Any]]],
        tier_of: Any,
    ) -> None:
        self.config = config
        self.project_ids = project_ids
        self.saved = saved
        self.tier_of = tier_of
        self.docs: dict[str, tuple[str, str, str]] = {}  # alias -> (document id, file, seed)
        self.sizes: dict[str, tuple[int, int]] = {}  # document id -> (pages, rows) of its first run

    def build(self, spec: JobSpec, index: int) -> JobRecord:
        seed = self.config.seed
        name = spec.role or f"job{index}"
        rng = rng_for(seed, "job", name)
        kind = KINDS[spec.kind]
        document, file_name, value_seed = self._document(spec, name)
        if spec.saved:
            cfg_id, cfg = self.saved[spec.saved]
        else:
            cfg_id = None
            cfg = make_configuration(
                spec.kind,
                self.tier_of(spec.tier),
                spec.cite,
                spec.confidence,
                rng.choice(PARSE_TIERS),
                spec.system_prompt,
                rng,
            )
        pages = spec.pages or rng.randint(*kind.pages)
        rows = 0
        if kind.target == "per_table_row":
            rows = (
                self.config.big_rows
                if "big" in spec.tweaks
                else (spec.rows or rng.randint(*kind.rows))
            )
            pages = max(pages, -(-rows // 40))
        # a re-run reads the same document: its pages, and its table's rows (explorer.sim.paper)
        pages, rows = self.sizes.setdefault(document, (pages, rows))
        rec = JobRecord(
            id=prefixed("ext", rng),
            project_id=self.project_ids[spec.project],
            document=document,
            created=round(spec.created, 3),
            phases=self._phases(spec, rng, pages),
            configuration=cfg,
            configuration_id=cfg_id,
            file_name=file_name,
            pages=pages,
            value_seed=value_seed,
            rows=rows,
            kind=spec.kind,
            variant=spec.variant,
            tweaks=spec.tweaks,
        )
        if rec.final_status == FAILED:
            rec.error_message = error_message_for(spec.error, document, parse_job_id(rec))
        return rec

    def _document(self, spec: JobSpec, name: str) -> tuple[str, str, str]:
        alias = spec.doc or name
        if alias in self.docs:
            return self.docs[alias]
        rng = rng_for(self.config.seed, "doc", alias)
        prefix = "pjb" if spec.parse_input else "dfl"
        document = prefixed(f"{prefix}-{spec.doc_tag}" if spec.doc_tag else prefix, rng)
        file_name = spec.file_name or _file_name(spec.kind, rng)
        entry = (document, file_name, f"{self.config.seed}:doc:{alias}")
        self.docs[alias] = entry
        return entry

    def _phases(self, spec: JobSpec, rng: random.Random, pages: int) -> Phases:
        c = round(spec.created, 3)
        if spec.status in TERMINAL:
            if spec.status == FAILED:
                done = c + rng.uniform(8, 600)
            elif spec.status == CANCELLED:
                done = c + rng.uniform(3, 120)
            else:
                done = c + 4 + pages * rng.uniform(2, 12)
            return [(c, PENDING), (round(c + 1.5, 3), RUNNING), (round(done, 3), spec.status)]
        # still in progress: it moves on from server start (relative time 0) like a new job
        slow = 10 if "slow" in spec.doc_tag else 1
        d = spec.duration or self.config.job_seconds * slow
        final = (
            FAILED
            if "fail" in spec.doc_tag
            else NEEDS_REVIEW
            if "unknown" in spec.doc_tag
            else COMPLETED
        )
        if spec.status == RUNNING:
            end = spec.duration or d * 0.8
            return [(c, PENDING), (round(c + 1.5, 3), RUNNING), (round(end, 3), final)]
        if spec.status == THROTTLED:
            return [
                (c, THROTTLED),
                (round(d, 3), PENDING),
                (round(1.2 * d, 3), RUNNING),
                (round(2 * d, 3), final),
            ]
        return [(c, PENDING), (round(0.2 * d, 3), RUNNING), (round(d, 3), final)]


def _file_name(kind: str, rng: random.Random) -> str:
    template = rng.choice(KINDS[kind].file_names)
    person = f"{rng.choice(('jane', 'omar', 'priya', 'lukas', 'mei'))}-" + rng.choice(
        ("okafor", "haddad", "raman", "becker", "chen")
    )
    return template.format(n=rng.randint(1000, 99999), name=person)
