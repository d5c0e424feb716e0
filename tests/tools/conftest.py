"""Make `import tools` find the project package, not this test directory.

pytest puts `tests/` on sys.path (rootdir conftest, prepend mode), where `tests/tools/` is a
namespace-package candidate named `tools`; with the project root on the path too, the regular
package `tools/` wins. (Better fixed once for all rooms with `pythonpath = ["."]` in pytest's
config.)
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)
_cached = sys.modules.get("tools")
if _cached is not None and getattr(_cached, "__file__", None) is None:
    for _name in [n for n in sys.modules if n == "tools" or n.startswith("tools.")]:
        del sys.modules[_name]
