"""The Extract v2 API: models, the async client, retries and errors.

Kept light: reading a constant (the default base URL, for settings) must not import httpx and
pydantic before the app has started its simulator.
"""

import sys

#: The public LlamaCloud API.
DEFAULT_BASE_URL = "https://api.cloud.llamaindex.ai"

# httpx imports its command-line client (click, pygments) unless that import fails, in which
# case it falls back to a stub. The explorer never runs httpx's CLI: ~30 ms less start-up.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
