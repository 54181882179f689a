// directory/directory.cpp and directory/mutations.cpp: the facade, on
// ":memory:" and on a file: every kind's create/update/remove/get/find/list/
// count/columns, errors, batches, admins made from users, id allocation.
#include "dirctl/directory.h"

#include <gtest/gtest.h>


#include <algorithm>
#include <memory>

#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "model/model.h"
#include "test_support.h"

namespace dirctl {
namespace {

using namespace std::string_literals;
using test::make;
using test::make_org;
using test::make_user;
using test::sys;
using test::valid_fields;

using DirectoryTest = test::DirectoryFixture;
INSTANTIATE_TEST_SUITE_P(Storage, DirectoryTest,
                         ::testing::ValuesIn(test::storages()), test::storage_name);

std::vector<std::string> field_names(const Record& r) {
  std::vector<std::string> out;
  for (const auto& kv : r.fields) out.push_back(kv.first);
  return out;
}

// A field each kind can change, and the value to change it to.
std::pair<std::string, Value> change_for(Kind kind) {
  switch (kind) {
    case Kind::kOrg:
    case Kind::kUserGroup:
    case Kind::kDeviceGroup: return {"description", "changed"s};
    case Kind::kUser:
    case Kind::kAdmin: return {"first_name", "Changed"s};
    case Kind::kDevice: return {"display_name", "Changed"s};
    case Kind::kCommand: return {"script", "echo changed"s};
    case Kind::kNone: break;
  }
  return {};
}

// ---- every kind ------------------------------------------------------------------

TEST_P(DirectoryTest, LifecycleOfEveryKind) {
  const Id org = make_org(d(), "acme");
  test::keep_admin(d(), {org});
  for (const KindSpec* kind : all_specs()) {
    SCOPED_TRACE(kind->name);
    const Id scope = kind->per_org ? org : kNoId;
    const std::size_t before = count(kind->kind, scope);
    Fields fields = valid_fields(kind->kind, "one", org);
    Record made = d().create(sys(), kind->kind, scope, fields);
    EXPECT_EQ(made.kind, kind->kind);
    EXPECT_NE(made.id, kNoId);
    EXPECT_EQ(made.org, scope);

    std::vector<std::string> expected;
    for (const auto& f : kind->fields)
      if (!f.secret) expected.push_back(f.name);
    EXPECT_EQ(field_names(made), expected) << "every descriptor field but secrets, in order";
    const std::string key_field = kind->key_fields.front();
    const std::string key = made.text(key_field);
    EXPECT_FALSE(key.empty());
    EXPECT_EQ(made.text("created").size(), 24u);
    EXPECT_EQ(made.text("created"), made.text("updated"));

    EXPECT_EQ(count(kind->kind, scope), before + 1);
    reopen();
    Record got = d().get(sys(), made.id);
    EXPECT_EQ(got.fields, made.fields);
    EXPECT_EQ(got.org, scope);
    EXPECT_EQ(d().find(sys(), kind->kind, scope, key).id, made.id);

    std::vector<Record> listed = d().list(sys(), kind->kind, scope);
    ASSERT_EQ(listed.size(), before + 1);
    EXPECT_EQ(listed.back().id, made.id);
    EXPECT_EQ(listed.back().fields, made.fields);

    // listing_columns_test.cpp compares the columns with list() cell by cell.
    TableColumns cols = d().columns(sys(), kind->kind, scope);
    ASSERT_FALSE(cols.columns.empty());
    EXPECT_EQ(cols.columns[0].name, "id");
    for (const TableColumn& c : cols.columns) EXPECT_EQ(c.size(), before + 1) << c.name;
    EXPECT_EQ(cols.ids().back(), static_cast<std::int64_t>(made.id));
    for (const TableColumn& c : cols.columns) {
      if (c.name == "id" || c.name == "org" || c.name == "administrator") continue;  // administrator: from the model
      EXPECT_NE(made.find(c.name), nullptr) << "column " << c.name << " is not a field";
    }

    auto [change, to] = change_for(kind->kind);
    Record updated = d().update(sys(), made.id, {{change, to}});
    EXPECT_EQ(*updated.find(change), to);
    EXPECT_EQ(updated.text(key_field), key);
    EXPECT_GE(updated.text("updated"), made.text("updated"));
    EXPECT_EQ(updated.text("created"), made.text("created"));
    reopen();
    EXPECT_EQ(*d().get(sys(), made.id).find(change), to);

    d().remove(sys(), made.id);
    EXPECT_THROW(d().get(sys(), made.id), NotFound);
    EXPECT_EQ(count(kind->kind, scope), before);
    reopen();
    EXPECT_THROW(d().get(sys(), made.id), NotFound);
    EXPECT_THROW(d().find(sys(), kind->kind, scope, key), NotFound);
    EXPECT_EQ(d().list(sys(), kind->kind, scope).size(), before);
  }
  EXPECT_EQ(d().integrity_check(), "ok");
}

TEST_P(DirectoryTest, CountsAndListsArePerOrg) {
  const Id a = make_org(d(), "a");
  const Id b = make_org(d(), "b");
  make_user(d(), a, "u1");
  make_user(d(), a, "u2");
  make_user(d(), b, "u1");  // same username, other org
  make(d(), Kind::kDevice, b, "x");
  reopen();
  EXPECT_EQ(count(Kind::kOrg), 2u);
  EXPECT_EQ(count(Kind::kUser, a), 2u);
  EXPECT_EQ(count(Kind::kUser, b), 1u);
  EXPECT_EQ(count(Kind::kDevice, a), 0u);
  EXPECT_EQ(count(Kind::kDevice, b), 1u);
  EXPECT_EQ(d().list(sys(), Kind::kUser, a).size(), 2u);
  EXPECT_EQ(d().find(sys(), Kind::kUser, b, "u1").org, b);
  EXPECT_NE(d().find(sys(), Kind::kUser, a, "u1").id, d().find(sys(), Kind::kUser, b, "u1").id);
  EXPECT_EQ(d().model().count(Kind::kUser, a), 2u);
}

TEST_P(DirectoryTest, FindByAnyKeyFieldCaseInsensitively) {
  const Id org = make_org(d(), "Acme");
  const Id u = d().create(sys(), Kind::kUser, org, {{"username", "Alice"s}, {"email", "Alice@Example.com"s}}).id;
  EXPECT_EQ(d().find(sys(), Kind::kUser, org, "alice").id, u);
  EXPECT_EQ(d().find(sys(), Kind::kUser, org, "alice@example.com").id, u);
  EXPECT_EQ(d().find(sys(), Kind::kOrg, kNoId, "ACME").id, org);
  try {
    d().find(sys(), Kind::kUser, org, "bob");
    FAIL() << "expected NotFound";
  } catch (const NotFound& e) {
    EXPECT_NE(std::string(e.what()).find("'bob'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Acme"), std::string::npos) << e.what();
  }
}

TEST_P(DirectoryTest, AmbiguousFindAsksForAnId) {
  const Id org = make_org(d(), "acme");
  make(d(), Kind::kDevice, org, "dup");
  make(d(), Kind::kDevice, org, "dup");  // hostnames are not unique
  EXPECT_EQ(count(Kind::kDevice, org), 2u);
  EXPECT_THROW(d().find(sys(), Kind::kDevice, org, "host-dup"), InvalidArgument);
}

TEST_P(DirectoryTest, RecordValuesRoundTrip) {
  const Id org = make_org(d(), "acme");
  Attributes attrs{{"cost_center", "42"}, {"site", "Zürich"}};
  Record u = d().create(sys(), Kind::kUser, org,
                        {{"username", "alice"s}, {"email", "alice@example.com"s}, {"account_locked", true},
                         {"attributes", attrs}, {"password_expiration_date", "2030-05-06"s}, {"state", "Staged"s}});
  reopen();
  Record got = d().get(sys(), u.id);
  EXPECT_EQ(*got.find("account_locked"), Value{true});
  EXPECT_EQ(*got.find("sudo"), Value{false});
  EXPECT_EQ(*got.find("attributes"), Value{attrs});
  EXPECT_EQ(got.text("password_expiration_date"), "2030-05-06");
  EXPECT_EQ(got.text("state"), "staged");
  EXPECT_TRUE(is_null(*got.find("first_name")));
  EXPECT_EQ(got.text("first_name"), "");
  EXPECT_EQ(got.find("no_such_field"), nullptr);

  Record c = d().create(sys(), Kind::kCommand, org,
                        {{"name", "deploy"s}, {"script", "echo 1"s}, {"timeout", std::int64_t{60}},
                         {"launch_type", "trigger"s}, {"trigger", "go"s}});
  reopen();
  got = d().get(sys(), c.id);
  EXPECT_EQ(*got.find("timeout"), Value{std::int64_t{60}});
  EXPECT_EQ(got.text("trigger"), "go");
  EXPECT_EQ(got.text("user"), "root");

  // Clearing an optional field.
  d().update(sys(), u.id, {{"password_expiration_date", Value{}}, {"attributes", Attributes{}}});
  reopen();
  got = d().get(sys(), u.id);
  EXPECT_TRUE(is_null(*got.find("password_expiration_date")));
  EXPECT_EQ(*got.find("attributes"), Value{Attributes{}});
}

TEST_P(DirectoryTest, HotFieldsReachTheModel) {
  const Id org = make_org(d(), "acme");
  const Id u = make_user(d(), org, "alice");
  d().update(sys(), u, {{"state", "suspended"s}, {"account_locked", true}});
  const Id dev = d().create(sys(), Kind::kDevice, org, {{"hostname", "h1"s}, {"remote_assist_allowed", true}}).id;
  const Id adm = d().create(sys(), Kind::kAdmin, kNoId,
                            {{"email", "boss@example.com"s}, {"role", "help_desk"s}, {"api_access", true}}).id;
  reopen();
  const Model& m = d().model();
  ASSERT_NE(m.find(u), nullptr);
  EXPECT_EQ(m.find(u)->name, "alice");
  EXPECT_EQ(user_states()[m.find(u)->state], "suspended");
  EXPECT_TRUE(m.find(u)->has(kFlagLocked));
  EXPECT_TRUE(m.find(dev)->has(kFlagRemoteAssist));
  EXPECT_EQ(role_names()[m.find(adm)->role], "help_desk");
  EXPECT_TRUE(m.find(adm)->has(kFlagApiAccess));
  EXPECT_EQ(m.find(adm)->org, kNoId);
  d().update(sys(), u, {{"account_locked", false}});
  EXPECT_FALSE(d().model().find(u)->has(kFlagLocked));
}

// ---- errors ----------------------------------------------------------------------

TEST_P(DirectoryTest, ClearingAFieldWithADefaultIsNotAStorageError) {
  // state, account_locked, timeout, shell...: their columns are NOT NULL, so
  // null must be refused as an invalid argument (or mean the default); it
  // must not reach SQLite and come back as a storage failure.
  const Id org = make_org(d(), "acme");
  for (const KindSpec* kind : all_specs()) {
    const Id id = make(d(), kind->kind, kind->per_org ? org : kNoId, "clr");
    for (const FieldSpec& f : kind->fields) {
      if (f.readonly || f.required || f.column.empty() || is_null(f.default_value)) continue;
      SCOPED_TRACE(kind->name + "." + f.name);
      const Record before = d().get(sys(), id);
      try {
        Record after = d().update(sys(), id, {{f.name, Value{}}});
        const Value& v = *after.find(f.name);
        EXPECT_TRUE(is_null(v) || v == f.default_value);
      } catch (const InvalidArgument&) {
        EXPECT_EQ(d().get(sys(), id).fields, before.fields);
      } catch (const StorageError& e) {
        ADD_FAILURE() << "clearing gave a StorageError: " << e.what();
      }
    }
  }
}


TEST_P(DirectoryTest, ConflictsOnUniqueFields) {
  const Id org = make_org(d(), "acme");
  const Id other = make_org(d(), "beta");
  EXPECT_THROW(make_org(d(), "ACME"), Conflict);
  const Id alice = make_user(d(), org, "alice");
  try {
    d().create(sys(), Kind::kUser, org, {{"username", "alice"s}, {"email", "new@example.com"s}});
    FAIL() << "expected Conflict";
  } catch (const Conflict& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("alice"), std::string::npos) << msg;
    EXPECT_NE(msg.find("id " + std::to_string(alice)), std::string::npos) << msg;
  }
  EXPECT_THROW(d().create(sys(), Kind::kUser, org, {{"username", "bob"s}, {"email", "ALICE@example.com"s}}),
               Conflict);
  EXPECT_NO_THROW(make_user(d(), other, "alice"));
  d().update(sys(), alice, {{"employee_identifier", "E1"s}});
  const Id bob = make_user(d(), org, "bob");
  EXPECT_THROW(d().update(sys(), bob, {{"employee_identifier", "E1"s}}), Conflict);
  EXPECT_THROW(d().update(sys(), bob, {{"email", "alice@example.com"s}}), Conflict);
  EXPECT_NO_THROW(d().update(sys(), alice, {{"email", "alice@example.com"s}})) << "own value is no conflict";

  make(d(), Kind::kUserGroup, org, "g");
  EXPECT_THROW(make(d(), Kind::kUserGroup, org, "g"), Conflict);
  EXPECT_NO_THROW(make(d(), Kind::kDeviceGroup, org, "g")) << "user and device groups are separate";
  make(d(), Kind::kCommand, org, "c");
  EXPECT_THROW(make(d(), Kind::kCommand, org, "c"), Conflict);
  make(d(), Kind::kAdmin, org, "a");
  EXPECT_THROW(make(d(), Kind::kAdmin, other, "a"), Conflict) << "admin emails are global";
  Fields trig{{"name", "t1"s}, {"script", "x"s}, {"launch_type", "trigger"s}, {"trigger", "go"s}};
  d().create(sys(), Kind::kCommand, org, trig);
  trig[0].second = "t2"s;
  EXPECT_THROW(d().create(sys(), Kind::kCommand, org, trig), Conflict);
  EXPECT_NO_THROW(d().create(sys(), Kind::kCommand, other, trig));
}

TEST_P(DirectoryTest, InvalidArguments) {
  const Id org = make_org(d(), "acme");
  const Id u = make_user(d(), org, "alice");
  EXPECT_THROW(d().create(sys(), Kind::kUser, org, {{"username", "bob"s}}), InvalidArgument);
  EXPECT_THROW(d().create(sys(), Kind::kUser, org, {{"username", "bob"s}, {"email", "bob"s}}), InvalidArgument);
  EXPECT_THROW(d().update(sys(), u, {{"username", "alice2"s}}), InvalidArgument) << "immutable";
  EXPECT_THROW(d().update(sys(), u, {{"created", "2020-01-01"s}}), InvalidArgument) << "read-only";
  EXPECT_THROW(d().update(sys(), u, {{"email", Value{}}}), InvalidArgument) << "required";
  EXPECT_THROW(d().update(sys(), org, {{"username", "x"s}}), InvalidArgument) << "field of another kind";
  EXPECT_THROW(d().create(sys(), Kind::kCommand, org, {{"name", "t"s}, {"script", "x"s}, {"launch_type", "trigger"s}}),
               InvalidArgument);
  EXPECT_THROW(d().create(sys(), Kind::kCommand, org,
                          {{"name", "t"s}, {"script", "x"s}, {"launch_type", "repeated"s}}),
               InvalidArgument);
  const Id c = make(d(), Kind::kCommand, org, "c");
  EXPECT_THROW(d().update(sys(), c, {{"launch_type", "trigger"s}}), InvalidArgument)
      << "cross-field rules hold on update";
  EXPECT_THROW(d().create(sys(), Kind::kNone, org, {}), InvalidArgument);
}

TEST_P(DirectoryTest, NotFoundCases) {
  const Id org = make_org(d(), "acme");
  const Id u = make_user(d(), org, "alice");
  EXPECT_THROW(d().get(sys(), 999), NotFound);
  EXPECT_THROW(d().get(sys(), kNoId), NotFound);
  EXPECT_THROW(d().update(sys(), 999, {{"name", "x"s}}), NotFound);
  EXPECT_THROW(d().remove(sys(), 999), NotFound);
  EXPECT_THROW(make_user(d(), kNoId, "bob"), NotFound) << "per-org kinds need an org";
  EXPECT_THROW(make_user(d(), u, "bob"), NotFound) << "a user is not an org";
  EXPECT_THROW(make_user(d(), 999, "bob"), NotFound);
  EXPECT_THROW(d().list(sys(), Kind::kUser, 999), NotFound);
  EXPECT_THROW(d().columns(sys(), Kind::kUser, 999), NotFound);
  EXPECT_THROW(d().find(sys(), Kind::kUser, 999, "alice"), NotFound);
  EXPECT_THROW(d().create(sys(), Kind::kAdmin, kNoId,
                          {{"email", "a@example.com"s}, {"role", "manager"s}, {"orgs", IdList{u}}}),
               NotFound)
      << "admin orgs must be orgs";
  EXPECT_THROW(d().create(sys(), Kind::kAdmin, kNoId,
                          {{"email", "a@example.com"s}, {"role", "manager"s}, {"orgs", IdList{-1}}}),
               NotFound);
}

TEST_P(DirectoryTest, FailedOperationsChangeNothing) {
  const Id org = make_org(d(), "acme");
  const Id u = make_user(d(), org, "alice");
  const Record before = d().get(sys(), u);
  const auto seq = d().last_event_seq();
  const Id max_id = d().model().max_id();
  EXPECT_THROW(make_user(d(), org, "alice"), Conflict);
  EXPECT_THROW(d().update(sys(), u, {{"first_name", "ok"s}, {"state", "bogus"s}}), InvalidArgument);
  EXPECT_THROW(d().update(sys(), u, {{"first_name", "ok"s}, {"email", "bad"s}}), InvalidArgument);
  reopen();
  EXPECT_EQ(d().get(sys(), u).fields, before.fields);
  EXPECT_EQ(count(Kind::kUser, org), 1u);
  EXPECT_EQ(d().last_event_seq(), seq);
  EXPECT_EQ(make_user(d(), org, "bob"), max_id + 1) << "failed creations use no id";
}

TEST_P(DirectoryTest, OnlyTheSystemActsOnTheRawHandle) {
  const Id org = make_org(d(), "acme");
  const Id u = make_user(d(), org, "alice");
  const Actor admin{ActorType::kAdmin, u};
  EXPECT_THROW(d().get(admin, u), PermissionDenied);
  EXPECT_THROW(d().create(admin, Kind::kUser, org, valid_fields(Kind::kUser, "x")), PermissionDenied);
  EXPECT_THROW(d().remove(Actor{ActorType::kApiKey, 0}, u), PermissionDenied);
  EXPECT_EQ(count(Kind::kUser, org), 1u);
}

TEST_P(DirectoryTest, CloseIsIdempotentAndFinal) {
  make_org(d(), "acme");
  EXPECT_FALSE(d().is_closed());
  EXPECT_EQ(d().path(), path());
  d().close();
  d().close();
  EXPECT_TRUE(d().is_closed());
  EXPECT_EQ(d().path(), "<closed>");
  EXPECT_THROW(d().count(sys(), Kind::kOrg, kNoId), StorageError);
  EXPECT_THROW(make_org(d(), "b"), StorageError);
  EXPECT_THROW(d().get(sys(), 1), StorageError);
  EXPECT_THROW(d().begin_batch(), StorageError);
  EXPECT_THROW(d().schema_version(), StorageError);
  EXPECT_THROW(d().add_member(sys(), 1, 2), StorageError);
  EXPECT_FALSE(d().in_batch());
}

// ---- batches -----------------------------------------------------------------------

TEST_P(DirectoryTest, BatchCommitsTogether) {
  const Id org = make_org(d(), "acme");
  d().begin_batch();
  EXPECT_TRUE(d().in_batch());
  for (int i = 0; i < 5; ++i) make_user(d(), org, "u" + std::to_string(i));
  EXPECT_EQ(count(Kind::kUser, org), 5u) << "visible inside the batch";
  d().commit_batch();
  EXPECT_FALSE(d().in_batch());
  reopen();
  EXPECT_EQ(count(Kind::kUser, org), 5u);
}

TEST_P(DirectoryTest, BatchRollbackRestoresMemoryAndFile) {
  const Id org = make_org(d(), "acme");
  const Id keep = make_user(d(), org, "keep");
  const auto seq = d().last_event_seq();
  d().begin_batch();
  const Id g = make(d(), Kind::kUserGroup, org, "g");
  d().add_member(sys(), g, keep);
  make_user(d(), org, "temp");
  d().update(sys(), keep, {{"first_name", "Changed"s}});
  d().remove(sys(), make(d(), Kind::kDevice, org, "d"));
  EXPECT_EQ(count(Kind::kUser, org), 2u);
  d().rollback_batch();
  EXPECT_FALSE(d().in_batch());
  EXPECT_EQ(count(Kind::kUser, org), 1u);
  EXPECT_EQ(count(Kind::kUserGroup, org), 0u);
  EXPECT_THROW(d().get(sys(), g), NotFound);
  EXPECT_TRUE(d().model().neighbors(keep).empty());
  EXPECT_EQ(d().get(sys(), keep).text("first_name"), "");
  EXPECT_EQ(d().last_event_seq(), seq);
  reopen();
  EXPECT_EQ(count(Kind::kUser, org), 1u);
  EXPECT_EQ(count(Kind::kUserGroup, org), 0u);
  EXPECT_EQ(d().get(sys(), keep).text("first_name"), "");
}

TEST_P(DirectoryTest, NestedBatchesCommitOnlyAtTheOutermost) {
  const Id org = make_org(d(), "acme");
  d().begin_batch();
  make_user(d(), org, "outer");
  d().begin_batch();
  make_user(d(), org, "inner");
  d().commit_batch();
  EXPECT_TRUE(d().in_batch()) << "the inner commit leaves the outer batch open";
  if (on_disk()) {
    Directory other(path());
    EXPECT_EQ(other.count(sys(), Kind::kUser, org), 0u) << "nothing committed yet";
  }
  d().commit_batch();
  EXPECT_FALSE(d().in_batch());
  reopen();
  EXPECT_EQ(count(Kind::kUser, org), 2u);
}

TEST_P(DirectoryTest, RollbackOfANestedBatchUndoesTheWholeBatch) {
  const Id org = make_org(d(), "acme");
  d().begin_batch();
  make_user(d(), org, "outer");
  d().begin_batch();
  make_user(d(), org, "inner");
  d().commit_batch();
  d().rollback_batch();
  EXPECT_FALSE(d().in_batch());
  EXPECT_EQ(count(Kind::kUser, org), 0u);
  reopen();
  EXPECT_EQ(count(Kind::kUser, org), 0u);
}

TEST_P(DirectoryTest, BatchMisuse) {
  EXPECT_THROW(d().commit_batch(), InvalidArgument);
  EXPECT_THROW(d().rollback_batch(), InvalidArgument);
  d().begin_batch();
  d().commit_batch();
  EXPECT_THROW(d().commit_batch(), InvalidArgument);
  make_org(d(), "still works");
  EXPECT_EQ(count(Kind::kOrg), 1u);
}

TEST_P(DirectoryTest, FailedOperationInsideABatchKeepsEarlierOnes) {
  const Id org = make_org(d(), "acme");
  d().begin_batch();
  const Id a = make_user(d(), org, "alice");
  const Id g = make(d(), Kind::kUserGroup, org, "g");
  d().add_member(sys(), g, a);
  EXPECT_THROW(make_user(d(), org, "alice"), Conflict);
  EXPECT_THROW(d().update(sys(), a, {{"state", "bogus"s}}), InvalidArgument);
  EXPECT_THROW(d().add_member(sys(), g, org), InvalidArgument);
  EXPECT_THROW(d().remove(sys(), 9999), NotFound);
  EXPECT_TRUE(d().in_batch()) << "a failed operation does not end the batch";
  const Id b = make_user(d(), org, "bob");
  d().commit_batch();
  reopen();
  EXPECT_EQ(count(Kind::kUser, org), 2u);
  EXPECT_EQ(d().get(sys(), a).text("username"), "alice");
  EXPECT_EQ(d().get(sys(), b).text("username"), "bob");
  ASSERT_EQ(d().members(sys(), g).size(), 1u);
  EXPECT_EQ(d().members(sys(), g)[0].id, a);
  EXPECT_EQ(d().integrity_check(), "ok");
}

TEST_P(DirectoryTest, CloseInsideABatchRollsBack) {
  const Id org = make_org(d(), "acme");
  d().begin_batch();
  make_user(d(), org, "alice");
  d().close();
  if (on_disk()) {
    Directory again(path());
    EXPECT_EQ(again.count(sys(), Kind::kUser, org), 0u);
  }
}

// ---- acting views and denials (issue 8) ------------------------------------------------------

TEST_P(DirectoryTest, ActAsFromSystemChecksTheKindAndFromAnActorOnlyItself) {
  const Id org = make_org(d(), "acme");
  const Id u = make_user(d(), org, "alice");
  IdList orgs{static_cast<std::int64_t>(org)};
  const Id owner = d().create(sys(), Kind::kAdmin, kNoId,
                              {{"email", "o@acme.com"s}, {"role", "administrator_with_billing"s}, {"orgs", orgs}}).id;
  const Id ro = d().create(sys(), Kind::kAdmin, kNoId, {{"email", "r@acme.com"s}, {"role", "read_only"s}, {"orgs", orgs}}).id;
  EXPECT_EQ(d().act_as(sys(), owner, ActorType::kAdmin).id, owner);
  EXPECT_THROW(d().act_as(sys(), u, ActorType::kAdmin), InvalidArgument);
  EXPECT_THROW(d().act_as(sys(), owner, ActorType::kUser), InvalidArgument);
  EXPECT_THROW(d().act_as(sys(), 999, ActorType::kAdmin), NotFound);
  const Actor view{ActorType::kAdmin, ro};
  EXPECT_EQ(d().act_as(view, ro, ActorType::kAdmin).type, ActorType::kAdmin);
  EXPECT_EQ(d().act_as(view, ro, ActorType::kApiKey).type, ActorType::kApiKey);
  const auto seq = d().last_event_seq();
  EXPECT_THROW(d().act_as(view, owner, ActorType::kAdmin), PermissionDenied);
  EXPECT_THROW(d().act_as(view, u, ActorType::kUser), PermissionDenied);
  EXPECT_THROW(d().act_as(Actor{ActorType::kApiKey, ro}, ro, ActorType::kAdmin), PermissionDenied);
  EventFilter f;
  f.after_seq = seq;
  const auto events = d().events(sys(), f);
  ASSERT_EQ(events.size(), 3u);
  for (const auto& e : events) {
    EXPECT_EQ(e.event_type, "acting_view_denied");
    EXPECT_FALSE(e.success);
  }
}

TEST_P(DirectoryTest, ADenialSurvivesTheRollbackOfItsBatch) {
  const Id org = make_org(d(), "acme");
  const Id u = make_user(d(), org, "alice");
  const Actor stranger{ActorType::kUser, u};
  d().begin_batch();
  make_user(d(), org, "bob");
  d().begin_batch();
  EXPECT_THROW(d().create(stranger, Kind::kUser, org, valid_fields(Kind::kUser, "x")), PermissionDenied);
  d().rollback_batch();  // inner: the denial is written again in the outer batch
  d().rollback_batch();  // outer: and again on its own
  EventFilter f;
  f.success = false;
  EXPECT_EQ(d().events(sys(), f).size(), 1u);
  EXPECT_EQ(count(Kind::kUser, org), 1u);
  reopen();
  EXPECT_EQ(d().events(sys(), f).size(), 1u);
}

TEST_P(DirectoryTest, ListingOrgsAsASuspendedAdminIsADenial) {
  const Id org = make_org(d(), "acme");
  IdList orgs{static_cast<std::int64_t>(org)};
  test::keep_admin(d(), orgs);
  const Id sus = d().create(sys(), Kind::kAdmin, kNoId,
                            {{"email", "s@acme.com"s}, {"role", "manager"s}, {"orgs", orgs}, {"state", "suspended"s}}).id;
  EXPECT_THROW(d().list(Actor{ActorType::kAdmin, sus}, Kind::kOrg, kNoId), PermissionDenied);
  EXPECT_THROW(d().count(Actor{ActorType::kAdmin, sus}, Kind::kOrg, kNoId), PermissionDenied);
  EventFilter f;
  f.success = false;
  EXPECT_EQ(d().events(sys(), f).size(), 2u);
}

// ---- ids ---------------------------------------------------------------------------

TEST_P(DirectoryTest, IdsAreGlobalAndNeverReused) {
  const Id org = make_org(d(), "acme");
  const Id u = make_user(d(), org, "alice");
  const Id g = make(d(), Kind::kUserGroup, org, "g");
  EXPECT_LT(org, u);
  EXPECT_LT(u, g);
  d().remove(sys(), g);  // the highest id
  reopen();
  const Id next = make(d(), Kind::kDevice, org, "d");
  EXPECT_GT(next, g);
  d().remove(sys(), next);
  d().remove(sys(), u);
  reopen();
  const Id after = make_user(d(), org, "bob");
  EXPECT_GT(after, next);
}

TEST_P(DirectoryTest, IdsOfADeletedOrgsObjectsAreNotReused) {
  const Id org = make_org(d(), "acme");
  Id last = kNoId;
  for (int i = 0; i < 3; ++i) last = make_user(d(), org, "u" + std::to_string(i));
  d().remove(sys(), org);
  reopen();
  EXPECT_GT(make_org(d(), "beta"), last);
}

// ---- org removal -----------------------------------------------------------------------

TEST_P(DirectoryTest, RemovingAnOrgRemovesItsObjectsOnly) {
  const Id acme = make_org(d(), "acme");
  const Id beta = make_org(d(), "beta");
  std::vector<Id> gone;
  for (const KindSpec* k : all_specs())
    if (k->per_org) gone.push_back(make(d(), k->kind, acme, "x"));
  const Id kept_user = make_user(d(), beta, "kept");
  const Id g = make(d(), Kind::kUserGroup, acme, "members");
  ASSERT_EQ(d().get(sys(), gone[0]).kind, Kind::kUser);
  d().add_member(sys(), g, gone[0]);
  const Id linked = d().create_admin_from_user(sys(), test::enrolled(d(), gone[0]), {{"role", "manager"s}}).id;
  const Id multi = d().create(sys(), Kind::kAdmin, kNoId,
                              {{"email", "multi@example.com"s}, {"role", "manager"s},
                               {"orgs", IdList{acme, beta}}}).id;
  d().remove(sys(), acme);
  EXPECT_THROW(d().get(sys(), acme), NotFound);
  for (Id id : gone) EXPECT_THROW(d().get(sys(), id), NotFound) << id;
  EXPECT_THROW(d().get(sys(), linked), NotFound) << "an admin made from the org's user goes with it";
  EXPECT_EQ(std::get<IdList>(*d().get(sys(), multi).find("orgs")), (IdList{beta}));
  EXPECT_EQ(d().get(sys(), kept_user).org, beta);
  EXPECT_EQ(count(Kind::kOrg), 1u);
  EXPECT_THROW(count(Kind::kUser, acme), NotFound) << "a deleted org is gone, not empty";
  EXPECT_EQ(d().events(Actor::system(), {}).back().event_type, "organization_delete");
  reopen();
  EXPECT_EQ(count(Kind::kOrg), 1u);
  EXPECT_EQ(count(Kind::kAdmin), 1u);
  EXPECT_EQ(std::get<IdList>(*d().get(sys(), multi).find("orgs")), (IdList{beta}));
  EXPECT_EQ(d().integrity_check(), "ok");
}

// ---- admins ------------------------------------------------------------------------

TEST_P(DirectoryTest, AdminOrgsAreEdges) {
  const Id a = make_org(d(), "a");
  const Id b = make_org(d(), "b");
  test::keep_admin(d(), {a, b});
  Record adm = d().create(sys(), Kind::kAdmin, kNoId,
                          {{"email", "x@example.com"s}, {"role", "manager"s}, {"orgs", IdList{b, a, b}}});
  EXPECT_EQ(std::get<IdList>(*adm.find("orgs")), (IdList{a, b})) << "sorted, deduplicated";
  EXPECT_TRUE(d().model().linked(adm.id, a));
  reopen();
  EXPECT_EQ(std::get<IdList>(*d().get(sys(), adm.id).find("orgs")), (IdList{a, b}));
  Record upd = d().update(sys(), adm.id, {{"orgs", IdList{b}}});
  EXPECT_EQ(std::get<IdList>(*upd.find("orgs")), (IdList{b}));
  EXPECT_FALSE(d().model().linked(adm.id, a));
  reopen();
  EXPECT_EQ(std::get<IdList>(*d().get(sys(), adm.id).find("orgs")), (IdList{b}));
  EXPECT_EQ(std::get<IdList>(*d().list(sys(), Kind::kAdmin, kNoId).back().find("orgs")), (IdList{b}));
}

TEST_P(DirectoryTest, CreateAdminFromUser) {
  const Id org = make_org(d(), "acme");
  test::keep_admin(d(), {org});
  const Id u = d().create(sys(), Kind::kUser, org,
                          {{"username", "alice"s}, {"email", "alice@example.com"s}, {"first_name", "Alice"s}}).id;
  Record adm = d().create_admin_from_user(sys(), test::enrolled(d(), u), {{"role", "command_runner"s}});
  EXPECT_EQ(adm.kind, Kind::kAdmin);
  EXPECT_EQ(adm.text("email"), "alice@example.com");
  EXPECT_EQ(adm.text("first_name"), "Alice");
  EXPECT_EQ(adm.text("role"), "command_runner");
  EXPECT_EQ(*adm.find("user"), Value{static_cast<std::int64_t>(u)});
  EXPECT_EQ(std::get<IdList>(*adm.find("orgs")), (IdList{org}));
  EXPECT_EQ(d().model().find(u)->link, adm.id);
  EXPECT_EQ(d().model().find(adm.id)->link, u);
  reopen();
  EXPECT_EQ(d().model().find(u)->link, adm.id);
  EXPECT_EQ(d().model().find(adm.id)->link, u);
  EXPECT_EQ(*d().get(sys(), adm.id).find("user"), Value{static_cast<std::int64_t>(u)});

  // The link survives updates of the user, but fixes the user's email.
  d().update(sys(), u, {{"first_name", "Al"s}});
  EXPECT_EQ(d().model().find(u)->link, adm.id);
  EXPECT_THROW(d().update(sys(), u, {{"email", "other@example.com"s}}), InvalidArgument);
  EXPECT_THROW(d().create_admin_from_user(sys(), test::enrolled(d(), u), {{"role", "manager"s}}), Conflict);

  // Removing the admin keeps the user and clears the link.
  d().remove(sys(), adm.id);
  EXPECT_EQ(d().model().find(u)->link, kNoId);
  EXPECT_NO_THROW(d().update(sys(), u, {{"email", "other@example.com"s}}));
  reopen();
  EXPECT_EQ(d().model().find(u)->link, kNoId);
  EXPECT_EQ(count(Kind::kAdmin), 1u) << "only the keeper";
}

TEST_P(DirectoryTest, RemovingALinkedUserRemovesItsAdmin) {
  const Id org = make_org(d(), "acme");
  test::keep_admin(d(), {org});
  const Id u = make_user(d(), org, "alice");
  const Id adm = d().create_admin_from_user(sys(), test::enrolled(d(), u), {{"role", "manager"s}}).id;
  d().remove(sys(), u);
  EXPECT_THROW(d().get(sys(), adm), NotFound);
  EXPECT_EQ(count(Kind::kAdmin), 1u) << "only the keeper";
  reopen();
  EXPECT_EQ(count(Kind::kAdmin), 1u) << "only the keeper";
  EXPECT_EQ(count(Kind::kUser, org), 0u);
}

TEST_P(DirectoryTest, CreateAdminFromUserRefusesUnreadyUsers) {
  const Id org = make_org(d(), "acme");
  const Id staged = d().create(sys(), Kind::kUser, org,
                               {{"username", "s"s}, {"email", "s@example.com"s}, {"state", "staged"s}}).id;
  const Id locked = d().create(sys(), Kind::kUser, org,
                               {{"username", "l"s}, {"email", "l@example.com"s}, {"account_locked", true}}).id;
  const Id expired = d().create(sys(), Kind::kUser, org,
                                {{"username", "e"s}, {"email", "e@example.com"s},
                                 {"password_expiration_date", "2001-01-01"s}}).id;
  const Id ok = make_user(d(), org, "ok");
  for (Id u : {staged, locked, expired})
    EXPECT_THROW(d().create_admin_from_user(sys(), test::enrolled(d(), u), {{"role", "manager"s}}), InvalidArgument) << u;
  EXPECT_THROW(d().create_admin_from_user(sys(), test::enrolled(d(), ok), {{"role", "manager"s}, {"email", "x@example.com"s}}),
               InvalidArgument);
  EXPECT_THROW(d().create_admin_from_user(sys(), test::enrolled(d(), ok), {}), InvalidArgument) << "role is required";
  EXPECT_THROW(d().create_admin_from_user(sys(), org, {{"role", "manager"s}}), NotFound) << "not a user";
  EXPECT_EQ(count(Kind::kAdmin), 0u);
}

TEST_P(DirectoryTest, CreateAdminFromUserAdoptsAnAdminWithTheSameEmail) {
  const Id org = make_org(d(), "acme");
  const Id u = make_user(d(), org, "alice");
  const Id existing = d().create(sys(), Kind::kAdmin, kNoId,
                                 {{"email", "ALICE@example.com"s}, {"role", "read_only"s}}).id;
  Record adm = d().create_admin_from_user(sys(), test::enrolled(d(), u), {{"role", "manager"s}});
  EXPECT_EQ(adm.id, existing);
  EXPECT_EQ(adm.text("role"), "manager");
  EXPECT_EQ(*adm.find("user"), Value{static_cast<std::int64_t>(u)});
  EXPECT_EQ(count(Kind::kAdmin), 1u);
  EXPECT_EQ(d().model().find(u)->link, existing);
  reopen();
  EXPECT_EQ(d().model().find(u)->link, existing);
}

TEST_P(DirectoryTest, CreateAdminFromUserDoesNotTakeAnotherUsersAdmin) {
  // Emails are unique per org, so two orgs may each have a user with one
  // email; the admin made from the first stays linked to it.
  const Id a = make_org(d(), "a");
  const Id b = make_org(d(), "b");
  const Id first = make_user(d(), a, "alice");
  const Id second = make_user(d(), b, "alice");
  const Id adm = d().create_admin_from_user(sys(), test::enrolled(d(), first), {{"role", "manager"s}}).id;
  EXPECT_THROW(d().create_admin_from_user(sys(), test::enrolled(d(), second), {{"role", "manager"s}}), Conflict);
  EXPECT_EQ(d().model().find(first)->link, adm);
  EXPECT_EQ(d().model().find(second)->link, kNoId);
  EXPECT_EQ(*d().get(sys(), adm).find("user"), Value{static_cast<std::int64_t>(first)});
}

}  // namespace
}  // namespace dirctl
