"""Reading the YAML files prefstack ships: terms, sections, interpretations, issuers and capital
structures (the files a user gives are read by their own readers, with their own limits)."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_data(text: str) -> Any:
    """The YAML document ``text``, read safely: with libyaml's loader where PyYAML has it (the
    pure-Python loader took a third of a second of every command's start reading the package's
    files), else PyYAML's own. Both build the same plain data."""
    return yaml.load(text, Loader=_LOADER)
