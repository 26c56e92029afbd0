"""The wave manifest, wtorch.toml: schema, loading and validation (SPEC §2)."""

from wtorch.manifest.load import load_manifest, parse_manifest
from wtorch.manifest.model import Effort, GateConfig, Manifest, Project, SyncConfig, WorktreeConfig
from wtorch.names import MANIFEST_NAME

__all__ = [
    "MANIFEST_NAME",
    "Effort",
    "GateConfig",
    "Manifest",
    "Project",
    "SyncConfig",
    "WorktreeConfig",
    "load_manifest",
    "parse_manifest",
]
