"""The ready-made "Tenant operator" group: what a customer's operator needs in admin for the tenants they are
made operators of (the tenant's page, its keys to read, its agents, prompts and HTTP tools to edit), and
nothing else: no secrets, no deletion, no users, groups or prices. Which tenants is the Tenant's Operators
field; the group only says what they may do there."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Tenant operator"
PERMISSIONS = {
    "tenants": ["view_tenant", "view_widgetkey"],
    "agents": [
        "view_agent",
        "add_agent",
        "change_agent",
        "view_agenttool",
        "add_agenttool",
        "change_agenttool",
        "delete_agenttool",  # the agent form's tools table removes a tool from the agent, not the tool
        "view_prompt",
        "add_prompt",
        "change_prompt",
        "view_promptversion",
    ],
    "httptools": ["view_httptool", "add_httptool", "change_httptool", "view_httptoolversion"],
}


def create_group(apps: Any, schema_editor: Any) -> None:
    # Permissions are normally created after migrate; a fresh database needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, created = group_model.objects.get_or_create(name=GROUP)
    if not created:
        return  # an existing group of that name keeps what staff gave it
    for app_label, codenames in PERMISSIONS.items():
        group.permissions.add(
            *permission_model.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )


def remove_group(apps: Any, schema_editor: Any) -> None:
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("tenants", "0001_initial"),
        ("agents", "0002_default_agent_and_key_agent"),
        ("httptools", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
