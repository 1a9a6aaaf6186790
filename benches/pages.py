"""The page files of a corpus, as every benchmark script selects them."""

from __future__ import annotations

import os


def page_paths(root: str) -> list[str]:
    """Same selection as the shell scripts' `find ROOT -path '*/pages/page-*.json'`."""
    out = []
    for d, _, files in os.walk(root):
        if os.path.basename(d) == "pages":
            out.extend(os.path.join(d, f) for f in files
                       if f.startswith("page-") and f.endswith(".json"))
    return out
