"""Evidence files (佐证材料) on disk: hashed as they are attached, so that the record vouches for their content."""

from __future__ import annotations

import hashlib
from pathlib import Path

from supervise.adapters.repository import NewEvidence
from supervise.domain.errors import Defect, InputRejected
from supervise.domain.text import Text


def read_evidence(path: Path) -> NewEvidence:
    """SHA-256 of the file, read in blocks; an unreadable file is a rejected input naming it."""
    try:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        problem = Text(f"无法读取佐证材料：{exc.strerror}", f"cannot read evidence: {exc.strerror}")
        raise InputRejected(str(path), [Defect(str(path), "", "--evidence", problem)]) from exc
    return NewEvidence(path.name, str(path.resolve()), digest.hexdigest())
