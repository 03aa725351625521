"""Admin page for a tenant's identity verification: generate the secret (shown once) and copy the examples."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from tenants.admin_scoping import scope_for_user
from tenants.identity import identity_secret_exists, identity_secret_generate
from tenants.models import SecretKind, Tenant, TenantSecret

EXAMPLE_EMAIL = "ada@example.com"


def _examples(secret: str) -> dict[str, str]:
    python = (
        "import hashlib, hmac\n\n"
        f'IDENTITY_SECRET = "{secret}"  # on your server only (an environment variable)\n\n'
        "def user_hash(email: str) -> str:\n"
        "    return hmac.new(IDENTITY_SECRET.encode(), email.encode(), hashlib.sha256).hexdigest()\n"
    )
    node = (
        'const crypto = require("node:crypto");\n\n'
        f'const IDENTITY_SECRET = "{secret}"; // on your server only (process.env)\n\n'
        "function userHash(email) {\n"
        '  return crypto.createHmac("sha256", IDENTITY_SECRET).update(email).digest("hex");\n'
        "}\n"
    )
    snippet = (
        f'<script src="{settings.PUBLIC_BASE_URL}/widget.js" data-key="pk_..."\n'
        f'        data-user-email="{EXAMPLE_EMAIL}" data-user-hash="(user_hash of that e-mail)" async></script>'
    )
    return {"python": python, "node": node, "snippet": snippet}


def identity_view(request: HttpRequest, tenant_id: int) -> HttpResponse:
    tenant = get_object_or_404(scope_for_user(Tenant.objects.all(), request.user), pk=tenant_id)
    can_change = request.user.has_perm("tenants.change_tenant")
    generated: str | None = None
    if request.method == "POST":
        if not can_change:
            raise Http404("No permission to change this tenant.")
        generated = identity_secret_generate(tenant=tenant)
    secret_row = TenantSecret.objects.filter(tenant=tenant, kind=SecretKind.IDENTITY).first()
    context = {
        **admin.site.each_context(request),
        "title": f"Identified visitors: {tenant.name}",
        "tenant": tenant,
        "opts": Tenant._meta,
        "generated": generated,
        "has_secret": identity_secret_exists(tenant),
        "secret_updated_at": secret_row.updated_at if secret_row else None,
        "can_change": can_change,
        "examples": _examples(generated or "YOUR_IDENTITY_SECRET"),
    }
    # The page may carry the secret, once: never cached (admin_view already adds no-store).
    return TemplateResponse(request, "tenants/admin/identity.html", context)
