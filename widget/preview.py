"""The install page's live preview: staff see a tenant's widget on a page the platform itself serves.

The platform's own origin is never on a tenant's allowlist, so the preview is a narrow exception: the request
must come from the platform's own origin (same-origin, which a browser's Origin header proves) with the
signed-in session of a staff user who may see the tenant. Nobody else, and no other origin, gains anything.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from tenants.selectors import tenants_visible_to
from tenants.validators import normalize_origin


def own_origin(request: HttpRequest) -> str | None:
    """This request's own scheme://host[:port] (the host passed ALLOWED_HOSTS)."""
    try:
        return normalize_origin(f"{request.scheme}://{request.get_host()}")
    except ValidationError:
        return None


def preview_allowed(*, request: HttpRequest, tenant_id: int, origin: str | None) -> bool:
    """True when a staff user who may see this tenant previews its widget on the platform's own pages."""
    user: Any = getattr(request, "user", None)
    if origin is None or origin != own_origin(request) or user is None:
        return False
    return tenants_visible_to(user).filter(pk=tenant_id).exists()
