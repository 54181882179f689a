"""Type stubs for dirctl._core, the compiled engine (private: use `dirctl`)."""

import builtins
from collections.abc import Iterable, Sequence
from typing import Any, Callable, Literal, TypedDict, overload

import numpy as np
from numpy.typing import NDArray

LATEST_SCHEMA_VERSION: int

FieldValue = None | bool | int | str | dict[str, str] | list[int]
Fields = list[tuple[str, FieldValue]]
Actor = tuple[str, int]  # ("admin" | "user" | "api_key", id); None acts as system
# One column of Directory.columns(): ids int64 and booleans as numpy arrays; nullable
# integers ("ints", int64 values, validity bytes | None); text ("text", offsets, UTF-8
# bytes, validity | None); codes ("coded", int32 codes (-1: null), names); an admin's orgs
# as a list of id lists.
TableColumn = (NDArray[np.int64] | NDArray[np.bool_]
               | tuple[Literal["ints"], NDArray[np.int64], NDArray[np.uint8] | None]
               | tuple[Literal["text"], NDArray[np.int64], NDArray[np.uint8], NDArray[np.uint8] | None]
               | tuple[Literal["coded"], NDArray[np.int32], builtins.list[str]]
               | builtins.list[builtins.list[int]])
Ids = int | None | Sequence[int | None] | NDArray[np.integer]  # check_many: one id, or one per check

class Record(TypedDict):
    """An object as stored: its kind, id, org id (0: directory-wide) and every field."""

    kind: str
    id: int
    org: int
    fields: dict[str, FieldValue]

class Initiator(TypedDict):
    type: str  # system | admin | user | api_key
    id: int
    email: str

class ObjectRef(TypedDict, total=False):  # {} when the event has none
    type: str
    id: int
    name: str

FieldChange = TypedDict("FieldChange", {"field": str, "from": str, "to": str})  # from/to: JSON text

class EventRecord(TypedDict):
    seq: int
    time: str
    org: int
    event_type: str
    initiated_by: Initiator
    resource: ObjectRef
    target: ObjectRef
    success: bool
    changes: list[FieldChange]
    message: str

class AccessColumns(TypedDict):
    """who_can_access: each id column comes with codes, names and distinct ids (see add_id_column)."""

    user: NDArray[np.uint32]
    user_codes: NDArray[np.int32]
    user_names: list[str]
    user_distinct: NDArray[np.uint32]
    device: NDArray[np.uint32]
    device_codes: NDArray[np.int32]
    device_names: list[str]
    device_distinct: NDArray[np.uint32]
    how: NDArray[np.int32]  # codes into hows
    hows: list[str]
    suspended: NDArray[np.uint8]

class RunColumns(TypedDict):
    admin: NDArray[np.uint32]
    admin_codes: NDArray[np.int32]
    admin_names: list[str]
    admin_distinct: NDArray[np.uint32]
    command: NDArray[np.uint32]
    command_codes: NDArray[np.int32]
    command_names: list[str]
    command_distinct: NDArray[np.uint32]
    device: NDArray[np.uint32]
    device_codes: NDArray[np.int32]
    device_names: list[str]
    device_distinct: NDArray[np.uint32]
    role: NDArray[np.uint8]  # codes into role_names()
    rule: NDArray[np.uint8]  # codes into rule_names()

class EscalationColumns(TypedDict):
    mechanism: NDArray[np.uint8]  # codes into mechanisms
    mechanisms: list[str]
    via: NDArray[np.uint32]
    via_codes: NDArray[np.int32]
    via_names: list[str]
    via_distinct: NDArray[np.uint32]
    device: NDArray[np.uint32]
    device_codes: NDArray[np.int32]
    device_names: list[str]
    device_distinct: NDArray[np.uint32]
    steps: NDArray[np.int32]  # codes into step_texts
    step_texts: list[str]

class ImportIssue(TypedDict):
    line: int
    column: str
    value: str
    message: str

class RowColumns(TypedDict):
    line: NDArray[np.uint64]
    status: NDArray[np.uint8]  # codes into statuses
    statuses: list[str]
    user_id: NDArray[np.uint32]  # 0: none
    username: list[str]
    groups_added: list[str]
    device_bound: list[str]

class KindField(TypedDict):
    name: str
    required: bool
    immutable: bool
    readonly: bool
    aliases: list[str]
    choices: list[str]

class RunRecord(TypedDict):
    id: int
    launch: int
    org: int
    command: int
    device: int
    command_name: str
    device_name: str
    state: str
    requested_by: str
    requester_name: str
    queued_at: int
    expires_at: int
    started_at: int | None
    finished_at: int | None
    started_by: str
    finished_by: str
    exit_code: int | None
    signal: int | None
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    script: str
    shell: str
    run_as: str
    timeout: int
    variables: dict[str, str]

class LaunchRecord(TypedDict):
    id: int
    org: int
    command: int
    requested_at: int
    requested_by: str
    requester_name: str
    ttl: int
    runs: list[int]
    review: int

class ResultColumns(TypedDict):
    id: NDArray[np.int64]
    launch: NDArray[np.int64]
    org: NDArray[np.uint32]
    command: NDArray[np.uint32]
    device: NDArray[np.uint32]
    state: NDArray[np.uint8]
    queued_at: NDArray[np.int64]
    started_at: NDArray[np.int64]
    finished_at: NDArray[np.int64]
    exit_code: NDArray[np.int32]
    signal: NDArray[np.int32]
    requester_type: NDArray[np.uint8]
    requester_id: NDArray[np.uint32]
    named: NDArray[np.uint32]
    names: list[str]

class ReviewGroupRecord(TypedDict):
    group: int
    name: str
    state: str
    approvals: int
    needed: int

class ReviewVoteRecord(TypedDict):
    voter: str
    voter_name: str
    approve: bool
    at: int
    comment: str

class ReviewRecord(TypedDict):
    id: int
    launch: int
    org: int
    command: int
    command_name: str
    state: str
    requested_by: str
    requester_name: str
    requested_at: int
    expires_at: int
    decided_at: int | None
    decided_by: str
    groups: list[ReviewGroupRecord]
    votes: list[ReviewVoteRecord]

class PolicyRecord(TypedDict):
    reviewers: list[int]
    exempt: list[int]
    min_approvals: int
    wait: int

class FireRecord(TypedDict):
    command: int
    org: int
    fire_at: int
    missed: int

class FiredRecord(FireRecord):
    launch: int
    note: str

RUN_STATES: list[str]

class Error(Exception): ...

class EventFilter:
    start_ms: int | None
    end_ms: int | None
    event_types: builtins.list[str]
    initiated_by_id: int | None
    initiated_by_type: str | None
    initiated_by_email: str | None
    resource_id: int | None
    resource_type: str | None
    target_id: int | None
    target_type: str | None
    orgs: builtins.list[int]
    success: bool | None
    search_term: str
    after_seq: int
    search_after: tuple[int, int] | None
    descending: bool
    limit: int
    def __init__(self) -> None: ...

class PurgeRecord(TypedDict):
    seq: int
    rows: int
    first_seq: int
    last_seq: int
    file: str
    sha256: str

def migrate(source: str, target: str, busy_timeout_ms: int = ..., progress: Callable[[str, int], None] | None = ...) -> list[tuple[str, int]]: ...

class Directory:
    """A session on one open file, acting as one fixed actor (system when opened)."""
    def __init__(self, path: str, busy_timeout_ms: int = 10000, uri: bool = False) -> None: ...
    def as_actor(self, type: str, id: int) -> Directory: ...
    @property
    def actor(self) -> Actor | None: ...
    @property
    def path(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def create(self, kind: str, org: int, fields: Fields) -> Record: ...
    def update(self, id: int, fields: Fields) -> Record: ...
    def remove(self, id: int) -> None: ...
    def get(self, id: int) -> Record: ...
    def find(self, kind: str, org: int, key: str) -> Record: ...
    def list(self, kind: str, org: int) -> builtins.list[Record]: ...
    def count(self, kind: str, org: int) -> int: ...
    def columns(self, kind: str, org: int) -> dict[str, TableColumn]: ...
    def add_member(self, group: int, member: int) -> None: ...
    def remove_member(self, group: int, member: int) -> None: ...
    def members(self, group: int) -> builtins.list[Record]: ...
    def groups_of(self, member: int) -> builtins.list[Record]: ...
    def associate(self, a: int, b: int) -> None: ...
    def dissociate(self, a: int, b: int) -> None: ...
    def associations(self, id: int) -> builtins.list[Record]: ...
    def bindings(self, id: int) -> builtins.list[tuple[int, int, bool, bool, Record]]: ...
    def bind(self, a: int, b: int, sudo: bool, passwordless_sudo: bool) -> None: ...
    def create_admin_from_user(self, user: int, fields: Fields) -> Record: ...
    def begin_batch(self) -> None: ...
    def commit_batch(self) -> None: ...
    def rollback_batch(self) -> None: ...
    @property
    def in_batch(self) -> bool: ...
    def events(self, filter: EventFilter) -> builtins.list[EventRecord]: ...
    def events_columns(self, filter: EventFilter, fields: builtins.list[str]) -> dict[str, Any]: ...
    def events_changes(self, filter: EventFilter) -> dict[str, Any]: ...
    def events_count(self, filter: EventFilter) -> int: ...
    def events_distinct(self, field: str, filter: EventFilter) -> dict[str, Any]: ...
    def events_interval(self, interval: str, by: str, filter: EventFilter) -> dict[str, Any]: ...
    def events_export_page(self, filter: EventFilter, format: str, header: bool) -> tuple[bytes, tuple[int, int], int]: ...
    def events_purge(self, before_ms: int, path: str, format: str, overwrite: bool) -> PurgeRecord: ...
    def events_plan(self, filter: EventFilter) -> builtins.list[str]: ...
    def last_event_seq(self) -> int: ...
    @property
    def schema_version(self) -> int: ...
    def wait_for_change(self, timeout_ms: int) -> bool: ...
    def integrity_check(self) -> str: ...
    def refresh(self) -> None: ...
    # role engine
    def check(self, actor: Actor | Directory | None, action: str, resource: int = 0) -> Decision: ...
    @overload
    def check_many(self, actors: Ids, actions: str | Iterable[str], resources: Ids,
                   with_rules: Literal[False] = False) -> NDArray[np.bool_]: ...
    @overload
    def check_many(self, actors: Ids, actions: str | Iterable[str], resources: Ids,
                   with_rules: Literal[True]) -> tuple[NDArray[np.bool_], NDArray[np.uint8]]: ...
    @overload
    def check_many(self, actors: Ids, actions: str | Iterable[str], resources: Ids,
                   with_rules: bool) -> NDArray[np.bool_] | tuple[NDArray[np.bool_], NDArray[np.uint8]]: ...
    def actor_for(self, id: int, api_key: bool = False) -> Actor: ...
    # assignment graph
    def reach(self, from_id: int, want: str) -> builtins.list[int]: ...
    def explain(self, a: int, b: int) -> builtins.list[builtins.list[tuple[str, str, int]]]: ...
    def who_can_access(self, org: int, user: int = 0, device: int = 0) -> AccessColumns: ...
    def who_can_run(self, org: int, command: int = 0, device: int = 0, admin: int = 0) -> RunColumns: ...
    def escalation_paths(self, org: int, admin: int, user: int = 0, device: int = 0) -> EscalationColumns: ...
    # bulk import and export
    def import_users_csv(self, org: int, path: str, mode: str = "create", skip_errors: bool = False,
                         dry_run: bool = False, create_groups: bool = False, strict: bool = False,
                         progress: Callable[[int, int], None] | None = None) -> ImportResult: ...
    def export_users_csv(self, org: int, path: str, overwrite: bool = False) -> int: ...
    def run_command(self, command: int, devices: Sequence[int] = (), variables: dict[str, str] = ...,
                    ttl: int | None = None, now: int | None = None) -> LaunchRecord: ...
    def launch(self, launch: int) -> LaunchRecord: ...
    def run(self, run: int, output: bool = True) -> RunRecord: ...
    def runs(self, org: int | None = None, command: int | None = None, device: int | None = None,
             launch: int | None = None, state: str | None = None, since: int | None = None,
             output: bool = True) -> builtins.list[RunRecord]: ...
    def run_columns(self, org: int | None = None, command: int | None = None, device: int | None = None,
                    launch: int | None = None, state: str | None = None,
                    since: int | None = None) -> ResultColumns: ...
    def pending_runs(self, launch: int) -> int: ...
    def cancel_run(self, run: int) -> None: ...
    def cancel_launch(self, launch: int) -> int: ...
    def next_run(self, device: int, agent: str, now: int | None = None) -> RunRecord | None: ...
    def report_run(self, device: int, agent: str, run: int, exit_code: int | None = None, signal: int | None = None,
                   stdout: str = "", stderr: str = "", stdout_truncated: bool = False,
                   stderr_truncated: bool = False, timed_out: bool = False, now: int | None = None) -> RunRecord: ...
    def sweep_runs(self, now: int | None = None) -> int: ...
    def purge_results(self, org: int | None, before: int) -> int: ...
    def schedule_due(self, now: int) -> builtins.list[FireRecord]: ...
    def schedule_tick(self, now: int) -> builtins.list[FiredRecord]: ...
    def schedule_next_wakeup(self, now: int) -> int | None: ...
    def next_runs(self, command: int, n: int = 5, after: int | None = None) -> builtins.list[int]: ...
    def trigger(self, org: int, name: str, payload: dict[str, str] = ...) -> builtins.list[dict[str, int]]: ...
    def set_review_policy(self, command: int, reviewers: Sequence[int] | None, exempt: Sequence[int] = (),
                          min_approvals: int = 1, wait: int = 86400) -> None: ...
    def review_policy(self, command: int) -> PolicyRecord | None: ...
    def reviews(self, org: int, state: str | None = None) -> builtins.list[ReviewRecord]: ...
    def review(self, review: int) -> ReviewRecord: ...
    def review_vote(self, review: int, approve: bool, comment: str = "", now: int | None = None) -> ReviewRecord: ...
    def review_revoke(self, review: int) -> ReviewRecord: ...
    # identity
    @property
    def credential(self) -> int: ...
    def login(self, email: str, password: str, totp: str = "", invite: str = "", portal: str = "",
              org: int = 0) -> tuple[Directory, dict[str, Any]]: ...
    def resume(self, token: str) -> Directory: ...
    def logout(self) -> None: ...
    def sessions(self, principal: int) -> builtins.list[dict[str, Any]]: ...
    def change_password(self, current: str, new: str) -> None: ...
    def resend_invite(self, admin: int) -> str: ...
    def unlock_admin(self, admin: int) -> None: ...
    def enroll_totp(self, principal: int) -> str: ...
    def confirm_totp(self, principal: int, code: str) -> None: ...
    def reset_totp(self, principal: int) -> None: ...
    def create_api_key(self, admin: int) -> dict[str, Any]: ...
    def rotate_api_key(self, admin: int) -> dict[str, Any]: ...
    def revoke_api_key(self, admin: int) -> None: ...
    def api_keys(self, admin: int) -> builtins.list[dict[str, Any]]: ...
    def with_api_key(self, key: str) -> Directory: ...
    def register_user(self, org: int, email: str, name: str, team: str = "",
                      groups: Sequence[str] = ...) -> int: ...
    def approve_user(self, user: int) -> None: ...
    def reject_user(self, user: int) -> None: ...

class ImportResult:
    @property
    def created(self) -> int: ...
    @property
    def updated(self) -> int: ...
    @property
    def unchanged(self) -> int: ...
    @property
    def skipped(self) -> int: ...
    @property
    def pending_activation(self) -> int: ...
    @property
    def errors(self) -> int: ...
    @property
    def duration(self) -> float: ...
    @property
    def dry_run(self) -> bool: ...
    @property
    def written(self) -> bool: ...
    @property
    def error_records(self) -> list[ImportIssue]: ...
    @property
    def warnings(self) -> list[ImportIssue]: ...
    def __len__(self) -> int: ...
    def row_columns(self) -> RowColumns: ...

class Decision:
    @property
    def allowed(self) -> bool: ...
    @property
    def rule(self) -> str: ...
    @property
    def reason(self) -> str: ...
    def __init__(self, allowed: bool, rule: str, reason: str = "") -> None: ...
    def __bool__(self) -> bool: ...

def _set_object_type(type: type) -> None: ...
def directory_check(self: Any, actor: Any, action: str, resource: Any = None) -> Decision: ...
def cron_next_fires(expr: str, zone: str, after_ms: int, n: int = 1) -> list[int]: ...
def cron_next_many(exprs: Sequence[str], zones: Sequence[str], after_ms: Sequence[int]) -> NDArray[np.int64]: ...
def action_names() -> list[str]: ...
def rule_names() -> list[str]: ...
def user_field_action(field: str) -> str: ...
def matrix_access(role: str, scope: str) -> str: ...
def protected_action_names() -> list[str]: ...

def kind_fields(kind: str) -> list[KindField]: ...
def role_names() -> list[str]: ...
def user_states() -> list[str]: ...
def admin_states() -> list[str]: ...
def set_log_level(level: str) -> None: ...
def log_level() -> str: ...
