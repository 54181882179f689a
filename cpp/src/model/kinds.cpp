#include "dirctl/kinds.h"

#include <array>

#include "dirctl/error.h"

namespace dirctl {
namespace {

FieldSpec text(std::string name, std::string column, std::size_t max_len = 256) {
  FieldSpec f;
  f.name = std::move(name);
  f.column = std::move(column);
  f.max_len = max_len;
  return f;
}
FieldSpec of_type(FieldType type, std::string name, std::string column) {
  FieldSpec f = text(std::move(name), std::move(column));
  f.type = type;
  return f;
}
FieldSpec boolean(std::string name, std::string column, bool dflt) {
  FieldSpec f = of_type(FieldType::kBool, std::move(name), std::move(column));
  f.default_value = dflt;
  return f;
}
FieldSpec enumeration(std::string name, std::vector<std::string> choices, std::string dflt) {
  FieldSpec f = of_type(FieldType::kEnum, name, name);
  f.choices = std::move(choices);
  f.default_value = std::move(dflt);
  return f;
}
FieldSpec with(FieldSpec f, std::vector<std::string> aliases) {
  f.aliases = std::move(aliases);
  return f;
}
FieldSpec required(FieldSpec f) {
  f.required = true;
  return f;
}
// The field's column in the user CSV template, and its place there.
FieldSpec csv(FieldSpec f, const char* column, int order) {
  f.template_column = column;
  f.template_order = order;
  return f;
}
FieldSpec hot(FieldSpec f, Hot h) {
  f.hot = h;
  return f;
}
FieldSpec unique(FieldSpec f, Unique u) {
  f.unique = u;
  return f;
}
FieldSpec multiline(FieldSpec f) {
  f.multiline = true;
  return f;
}
FieldSpec password_field() {
  FieldSpec f = of_type(FieldType::kPassword, "password", "password_hash");
  f.secret = true;
  f.max_len = 1024;
  f.aliases = {"password_hash"};
  return f;
}
FieldSpec stamp(std::string name) {
  FieldSpec f = of_type(FieldType::kTime, name, name);
  f.readonly = true;
  return f;
}

// One part of a user's home or work address. JumpCloud keeps an address as a
// typed record {type, streetAddress, poBox, locality, region, postalCode,
// country}; its CSV template flattens it to home_streetAddress, home_city
// (locality), home_state (region)... JumpCloud publishes no length limits,
// so dirctl's are LDAP's usual ones (postalAddress lines, postalCode 40).
FieldSpec address_part(const std::string& kind, const char* part, const char* api, const char* column,
                       std::size_t max_len, int order) {
  FieldSpec f = text(kind + "_" + part, kind + "_" + part, max_len);
  if (std::string(api) != part) f.aliases.push_back(kind + "_" + api);
  f.record = kind + "_address";
  f.part = part;
  f.template_column = kind + "_" + column;
  f.template_order = order;
  return f;
}
void add_address(std::vector<FieldSpec>& fields, const std::string& kind, int order) {
  fields.push_back(address_part(kind, "street_address", "streetAddress", "streetAddress", 256, order));
  fields.push_back(address_part(kind, "po_box", "poBox", "poBox", 40, order + 1));
  fields.push_back(address_part(kind, "city", "locality", "city", 128, order + 2));
  fields.push_back(address_part(kind, "state", "region", "state", 128, order + 3));
  fields.push_back(address_part(kind, "postal_code", "postalCode", "postalCode", 40, order + 4));
  fields.push_back(address_part(kind, "country", "country", "country", 128, order + 5));
}

FieldSpec defaulted(FieldSpec f, Value v) {
  f.default_value = std::move(v);
  return f;
}
FieldSpec count_field(std::string name, std::int64_t lo, std::int64_t hi, std::int64_t dflt) {
  FieldSpec f = of_type(FieldType::kInt, name, name);
  f.min_value = lo;
  f.max_value = hi;
  f.default_value = dflt;
  return f;
}

// An org's settings include its identity policy (cpp/src/identity/): the
// email domains that may register themselves and the operator group (seed
// 004), whether users may log in (the user portal), and the password and
// session policy. 0 means "never" for expiry and lockout.
KindSpec make_org() {
  return {Kind::kOrg, "org", "orgs", "organization", false,
          {hot(unique(required(text("name", "name", 64)), Unique::kGlobal), Hot::kName),
           multiline(text("description", "description", 1024)),
           text("allowed_domains", "allowed_domains", 1024),
           hot(defaulted(text("operator_group", "operator_group", 128), std::string("admin")), Hot::kOperatorGroup),
           boolean("user_portal", "user_portal", true),
           count_field("password_min_length", 8, 128, 8), count_field("password_history", 0, 24, 5),
           count_field("password_expiry_days", 0, 3650, 0), count_field("lockout_attempts", 0, 100, 10),
           count_field("session_minutes", 1, 7 * 24 * 60, 60),
           stamp("created"), stamp("updated")},
          {"name"}, {}};
}

// The rest of JumpCloud's user template (Import-JCUsersFromCSV), with
// JumpCloud's rules where it has them:
// - unix_uid / unix_guid: integers 0..4294967295, the range New-JCUser's
//   ValidateRange gives (a 32-bit POSIX id);
// - phone numbers: free text (JumpCloud keeps {type, number} with no
//   syntax), at most 64 bytes;
// - EnrollmentDays: the MFA enrolment period in days, 1..365 (the module's
//   tests use 14, 30 and 365; JumpCloud's default is 7), and only with
//   enable_user_portal_multifactor in the same call, as New-JCUser offers
//   it only then (validate.cpp);
// - ldapserver_id: a JumpCloud object id (24 hexadecimal digits);
// - managedAppleID: an email-shaped Apple ID.
// `activated` is not settable: it is false until the user has a password
// (validate.cpp sets it when one is given).
void add_jumpcloud_fields(std::vector<FieldSpec>& fields) {
  auto add = [&](FieldSpec f, const char* column, int order) { fields.push_back(csv(std::move(f), column, order)); };
  add_address(fields, "home", 24);
  add_address(fields, "work", 30);
  add(text("mobile_number", "mobile_number", 64), "mobile_number", 36);
  add(text("home_number", "home_number", 64), "home_number", 37);
  add(text("work_number", "work_number", 64), "work_number", 38);
  add(text("work_mobile_number", "work_mobile_number", 64), "work_mobile_number", 39);
  add(text("work_fax_number", "work_fax_number", 64), "work_fax_number", 40);
  FieldSpec apple = of_type(FieldType::kEmail, "managed_apple_id", "managed_apple_id");
  apple.max_len = 254;
  add(with(apple, {"managedAppleID", "managedAppleId"}), "managedAppleID", 41);
  FieldSpec uid = of_type(FieldType::kInt, "unix_uid", "unix_uid");
  uid.max_value = 4294967295LL;
  add(uid, "unix_uid", 42);
  FieldSpec gid = of_type(FieldType::kInt, "unix_guid", "unix_guid");
  gid.max_value = 4294967295LL;
  add(with(gid, {"unix_gid"}), "unix_guid", 43);
  add(boolean("enable_managed_uid", "enable_managed_uid", false), "enable_managed_uid", 44);
  add(boolean("enable_user_portal_multifactor", "enable_user_portal_multifactor", false),
      "enable_user_portal_multifactor", 45);
  FieldSpec days = of_type(FieldType::kInt, "enrollment_days", "enrollment_days");
  days.min_value = 1;
  days.max_value = 365;
  add(with(days, {"EnrollmentDays", "enrollmentDays"}), "EnrollmentDays", 46);
  add(of_type(FieldType::kObjectId, "ldapserver_id", "ldapserver_id"), "ldapserver_id", 47);
  add(boolean("ldap_binding_user", "ldap_binding_user", false), "ldap_binding_user", 48);
  add(boolean("allow_public_key", "allow_public_key", true), "allow_public_key", 49);
  add(boolean("externally_managed", "externally_managed", false), "externally_managed", 50);
  add(text("external_dn", "external_dn", 1024), "external_dn", 51);
  add(text("external_source_type", "external_source_type", 128), "external_source_type", 52);
  FieldSpec activated = boolean("activated", "activated", false);
  activated.readonly = true;
  fields.push_back(activated);
}

KindSpec make_user() {
  FieldSpec username = of_type(FieldType::kUsername, "username", "username");
  username.max_len = 64;
  username.immutable = true;
  FieldSpec email = of_type(FieldType::kEmail, "email", "email");
  email.max_len = 254;
  FieldSpec mfa = enumeration("mfa_status", {"not_enrolled", "pending_activation", "enrolled"},
                              "not_enrolled");
  KindSpec k{Kind::kUser, "user", "users", "user", true,
          {csv(hot(unique(required(username), Unique::kPerOrg), Hot::kName), "Username", 3),
           csv(unique(required(email), Unique::kPerOrg), "Email", 4),
           csv(with(text("first_name", "first_name", 64), {"firstname"}), "FirstName", 1),
           csv(with(text("middle_name", "middle_name", 64), {"middlename"}), "MiddleName", 5),
           csv(with(text("last_name", "last_name", 64), {"lastname"}), "LastName", 2),
           csv(with(text("display_name", "display_name", 128), {"displayname", "preferredName"}), "DisplayName", 6),
           csv(with(text("job_title", "job_title", 128), {"jobTitle"}), "JobTitle", 7),
           csv(with(text("department", "department", 128), {"team"}), "Department", 9),
           csv(with(unique(text("employee_identifier", "employee_identifier", 64), Unique::kPerOrg),
                    {"employeeIdentifier"}),
               "EmployeeIdentifier", 8),
           csv(hot(enumeration("state", user_states(), "active"), Hot::kState), "state", 21),
           csv(hot(with(boolean("account_locked", "account_locked", false), {"locked"}), Hot::kLocked),
               "account_locked", 17),
           csv(with(of_type(FieldType::kDate, "password_expiration_date", "password_expiration_date"),
                    {"password_expiry"}),
               "password_expiration_date", 22),
           csv(with(mfa, {"mfa_enrollment_status"}), "mfa_status", 23),
           csv(boolean("sudo", "sudo", false), "sudo", 18),
           of_type(FieldType::kAttributes, "attributes", "attributes"),  // AttributeN_name/_value columns
           csv(with(text("cost_center", "cost_center", 128), {"costCenter"}), "CostCenter", 10),
           csv(text("company", "company", 128), "Company", 11),
           csv(with(text("employee_type", "employee_type", 64), {"employeeType"}), "EmployeeType", 12),
           csv(multiline(text("description", "description", 1024)), "Description", 13),
           csv(text("location", "location", 256), "Location", 14),
           csv(with(of_type(FieldType::kEmail, "alternate_email", "alternate_email"), {"alternateEmail"}),
               "AlternateEmail", 15),
           csv(text("manager", "manager", 254), "Manager", 16),
           csv(boolean("passwordless_sudo", "passwordless_sudo", false), "passwordless_sudo", 19),
           csv(boolean("password_never_expires", "password_never_expires", false), "password_never_expires", 20),
           password_field(),  // the template's Password column, write-only: never exported
           stamp("created"), stamp("updated")},
          {"username", "email"}, {}};
  add_jumpcloud_fields(k.fields);
  return k;
}

KindSpec make_admin() {
  FieldSpec email = of_type(FieldType::kEmail, "email", "email");
  email.max_len = 254;
  FieldSpec role = enumeration("role", role_names(), "");
  role.required = true;
  role.default_value = std::monostate{};
  FieldSpec orgs = of_type(FieldType::kOrgSet, "orgs", "");
  FieldSpec user = of_type(FieldType::kRef, "user", "user_id");
  user.readonly = true;
  return {Kind::kAdmin, "admin", "admins", "admin", false,
          {hot(unique(required(email), Unique::kGlobal), Hot::kName),
           with(text("first_name", "first_name", 64), {"firstname"}),
           with(text("last_name", "last_name", 64), {"lastname"}),
           hot(role, Hot::kRole), orgs,
           hot(boolean("api_access", "api_access", false), Hot::kApiAccess),
           hot(enumeration("state", admin_states(), "pending"), Hot::kState),
           boolean("mfa_required", "mfa_required", false), hot(user, Hot::kLink),
           stamp("created"), stamp("updated")},
          {"email"}, {}};
}

KindSpec make_group(Kind kind, std::string name, std::string table) {
  return {kind, std::move(name), std::move(table), "group", true,
          {hot(unique(required(text("name", "name", 128)), Unique::kPerOrg), Hot::kName),
           multiline(text("description", "description", 1024)), stamp("created"), stamp("updated")},
          {"name"}, {}};
}

KindSpec make_device() {
  return {Kind::kDevice, "device", "devices", "device", true,
          {hot(required(text("hostname", "hostname", 253)), Hot::kName),
           with(text("display_name", "display_name", 253), {"displayName"}), text("os", "os", 64),
           text("arch", "arch", 32), with(text("serial_number", "serial_number", 128), {"serialNumber"}),
           with(text("agent_version", "agent_version", 64), {"agentVersion"}),
           with(of_type(FieldType::kTime, "last_contact", "last_contact"), {"lastContact"}),
           // The device's id in another system (JumpCloud's systemID): the
           // import's SystemID column matches it as well as dirctl's id.
           with(unique(text("external_id", "external_id", 128), Unique::kPerOrg), {"externalId", "system_id"}),
           hot(boolean("remote_assist_allowed", "remote_assist_allowed", false), Hot::kRemoteAssist),
           stamp("created"), stamp("updated")},
          {"hostname"}, {}};
}

KindSpec make_command() {
  FieldSpec script = multiline(required(text("script", "script", 1 << 20)));
  FieldSpec timeout = of_type(FieldType::kInt, "timeout", "timeout");
  timeout.min_value = 1;
  timeout.max_value = 86400;
  timeout.default_value = std::int64_t{120};
  FieldSpec user = text("user", "run_as", 64);
  user.default_value = std::string("root");
  FieldSpec timezone = text("timezone", "timezone", 64);
  timezone.default_value = std::string("UTC");
  FieldSpec repeat = enumeration("schedule_repeat_type", {"minute", "hour", "day", "week", "month"}, "");
  repeat.default_value = std::monostate{};
  FieldSpec count = of_type(FieldType::kInt, "count", "schedule_count");
  count.min_value = 1;
  count.max_value = 1000000000;
  return {Kind::kCommand, "command", "commands", "command", true,
          {hot(unique(required(text("name", "name", 256)), Unique::kPerOrg), Hot::kName), script,
           enumeration("shell", {"bash", "sh", "powershell", "cmd"}, "bash"), with(user, {"run_as"}),
           timeout,
           with(enumeration("launch_type", {"manual", "one-time", "repeated", "trigger"}, "manual"),
                {"launchType"}),
           text("schedule", "schedule", 256),
           unique(text("trigger", "trigger_name", 128), Unique::kPerOrg),
           // Schedules (cpp/src/schedule/command_schedule.h checks them together).
           timezone, with(repeat, {"scheduleRepeatType"}), boolean("enabled", "enabled", true),
           of_type(FieldType::kTime, "start", "schedule_start"),
           of_type(FieldType::kTime, "until", "schedule_until"), count,
           stamp("created"), stamp("updated")},
          {"name"}, {}};
}

}  // namespace

const std::vector<std::string>& role_names() {
  static const std::vector<std::string> kRoles = {
      "administrator_with_billing", "administrator", "manager", "command_runner_with_billing",
      "command_runner", "help_desk", "read_only", "billing_only"};
  return kRoles;
}
const std::vector<std::string>& user_states() {
  static const std::vector<std::string> kStates = {"staged", "active", "suspended", "reviewing"};
  return kStates;
}
const std::vector<std::string>& admin_states() {
  static const std::vector<std::string> kStates = {"active", "suspended", "pending"};
  return kStates;
}

const std::vector<const KindSpec*>& all_specs() {
  static const std::array<KindSpec, 7> kSpecs = [] {
    std::array<KindSpec, 7> specs = {
        make_org(), make_user(), make_admin(), make_group(Kind::kUserGroup, "user_group", "user_groups"),
        make_group(Kind::kDeviceGroup, "device_group", "device_groups"), make_device(), make_command()};
    for (auto& s : specs) s.build_index();
    return specs;
  }();
  static const std::vector<const KindSpec*> kAll = [] {
    std::vector<const KindSpec*> v;
    for (const auto& s : kSpecs) v.push_back(&s);
    return v;
  }();
  return kAll;
}

const KindSpec& spec(Kind kind) {
  for (const KindSpec* s : all_specs())
    if (s->kind == kind) return *s;
  throw InvalidArgument("no such kind of object (" + std::to_string(static_cast<int>(kind)) + ")");
}

void KindSpec::build_index() {
  index.clear();
  for (const auto& f : fields) {
    index.emplace(f.name, &f);
    for (const auto& a : f.aliases) index.emplace(a, &f);
  }
}

const FieldSpec* KindSpec::field(std::string_view name_or_alias) const {
  auto it = index.find(name_or_alias);
  return it == index.end() ? nullptr : it->second;
}

const FieldSpec* KindSpec::field(std::string_view name_or_alias, std::size_t& hint) const {
  if (hint < fields.size() && fields[hint].name == name_or_alias) return &fields[hint++];
  const FieldSpec* f = field(name_or_alias);
  if (f != nullptr) hint = static_cast<std::size_t>(f - fields.data()) + 1;
  return f;
}

std::vector<const FieldSpec*> KindSpec::record_parts(std::string_view name) const {
  std::vector<const FieldSpec*> out;
  for (const auto& f : fields)
    if (!f.record.empty() && f.record == name) out.push_back(&f);
  return out;
}

const FieldSpec& KindSpec::name_field() const {
  for (const auto& f : fields)
    if (f.hot == Hot::kName) return f;
  throw std::logic_error("kind without a name field: " + name);
}

std::string KindSpec::field_names() const {
  std::string out;
  for (const auto& f : fields) {
    if (f.readonly) continue;
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::kOrg: return "org";
    case Kind::kUser: return "user";
    case Kind::kAdmin: return "admin";
    case Kind::kUserGroup: return "user_group";
    case Kind::kDeviceGroup: return "device_group";
    case Kind::kDevice: return "device";
    case Kind::kCommand: return "command";
    case Kind::kNone: break;
  }
  return "none";
}

Kind kind_from_name(std::string_view name) {
  for (const KindSpec* s : all_specs())
    if (s->name == name) return s->kind;
  throw InvalidArgument("unknown kind '" + std::string(name) +
                        "'; valid kinds: org, user, admin, user_group, device_group, device, command");
}

std::string_view actor_type_name(ActorType type) {
  switch (type) {
    case ActorType::kSystem: return "system";
    case ActorType::kAdmin: return "admin";
    case ActorType::kUser: return "user";
    case ActorType::kApiKey: return "api_key";
  }
  return "system";
}

}  // namespace dirctl
