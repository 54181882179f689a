"""Admin roles: the columns of docs/spec/admin_roles.csv, as a string enum."""

from __future__ import annotations

import enum


class Role(str, enum.Enum):
    """A built-in admin role. Members compare equal to their string values."""

    ADMINISTRATOR_WITH_BILLING = "administrator_with_billing"
    ADMINISTRATOR = "administrator"
    MANAGER = "manager"
    COMMAND_RUNNER_WITH_BILLING = "command_runner_with_billing"
    COMMAND_RUNNER = "command_runner"
    HELP_DESK = "help_desk"
    READ_ONLY = "read_only"
    BILLING_ONLY = "billing_only"

    def __str__(self) -> str:
        return self.value
