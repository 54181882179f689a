// model/model.cpp and model/string_pool.h: the in-memory working set.
#include "model/model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "dirctl/error.h"
#include "model/string_pool.h"

namespace dirctl {
namespace {

Entity make(Kind kind, Id org, std::string_view name) {
  Entity e;
  e.kind = kind;
  e.org = org;
  e.name = name;
  return e;
}

std::vector<Id> sorted(std::vector<Id> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Every edge is symmetric and no entity is its own neighbour.
void expect_symmetric(const Model& m, Id max) {
  for (Id a = 0; a <= max; ++a)
    for (Id b : m.neighbors(a)) {
      EXPECT_NE(a, b);
      const auto& back = m.neighbors(b);
      EXPECT_EQ(std::count(back.begin(), back.end(), a), 1) << a << " <-> " << b;
    }
}

TEST(ModelTest, EmptyModel) {
  Model m;
  EXPECT_EQ(m.find(0), nullptr);
  EXPECT_EQ(m.find(12345), nullptr);
  EXPECT_TRUE(m.neighbors(99).empty());
  EXPECT_FALSE(m.linked(1, 2));
  EXPECT_EQ(m.count(Kind::kUser, 1), 0u);
  EXPECT_TRUE(m.ids_of(Kind::kUser, 1).empty());
  EXPECT_EQ(m.max_id(), 0u);
  EXPECT_EQ(m.live_objects(), 0u);
  m.erase(7);  // erasing nothing is harmless
  m.unlink(3, 4);
  m.clear_edges(5);
}

TEST(ModelTest, AllocateAndNoteIds) {
  Model m;
  EXPECT_EQ(m.allocate_id(), 1u);
  EXPECT_EQ(m.allocate_id(), 2u);
  m.note_id(10);
  EXPECT_EQ(m.allocate_id(), 11u);
  m.note_id(3);  // never lowers
  EXPECT_EQ(m.max_id(), 11u);
  m.put(20, make(Kind::kOrg, kNoId, "o"));
  EXPECT_EQ(m.allocate_id(), 21u);
}

TEST(ModelTest, PutCountsAndReplaces) {
  Model m;
  m.put(1, make(Kind::kOrg, kNoId, "acme"));
  m.put(2, make(Kind::kOrg, kNoId, "beta"));
  m.put(3, make(Kind::kUser, 1, "alice"));
  m.put(4, make(Kind::kUser, 1, "bob"));
  m.put(5, make(Kind::kUser, 2, "carol"));
  EXPECT_EQ(m.count(Kind::kOrg, kNoId), 2u);
  EXPECT_EQ(m.count(Kind::kUser, 1), 2u);
  EXPECT_EQ(m.count(Kind::kUser, 2), 1u);
  EXPECT_EQ(m.count(Kind::kDevice, 1), 0u);
  EXPECT_EQ(m.live_objects(), 5u);
  EXPECT_EQ(m.ids_of(Kind::kUser, 1), (std::vector<Id>{3, 4}));
  ASSERT_NE(m.find(3), nullptr);
  EXPECT_EQ(m.find(3)->name, "alice");
  EXPECT_TRUE(m.find(3)->alive());

  // Re-put of a live id replaces it, moving counts (e.g. a changed org).
  m.put(4, make(Kind::kUser, 2, "bobby"));
  EXPECT_EQ(m.count(Kind::kUser, 1), 1u);
  EXPECT_EQ(m.count(Kind::kUser, 2), 2u);
  EXPECT_EQ(m.live_objects(), 5u);
  EXPECT_EQ(m.find(4)->name, "bobby");
}

TEST(ModelTest, EraseRemovesEntityCountsAndEdges) {
  Model m;
  m.put(1, make(Kind::kOrg, kNoId, "acme"));
  m.put(2, make(Kind::kUser, 1, "alice"));
  m.put(3, make(Kind::kUserGroup, 1, "eng"));
  m.put(4, make(Kind::kDevice, 1, "host"));
  m.link(2, 3);
  m.link(2, 4);
  m.link(3, 4);
  m.erase(2);
  EXPECT_EQ(m.find(2), nullptr);
  EXPECT_EQ(m.count(Kind::kUser, 1), 0u);
  EXPECT_EQ(m.live_objects(), 3u);
  EXPECT_TRUE(m.neighbors(2).empty());
  EXPECT_EQ(m.neighbors(3), (std::vector<Id>{4}));
  EXPECT_EQ(m.neighbors(4), (std::vector<Id>{3}));
  expect_symmetric(m, 5);
  m.erase(2);  // twice is harmless
  EXPECT_EQ(m.live_objects(), 3u);
  EXPECT_EQ(m.max_id(), 4u);  // erasing never lowers the id high-water mark
}

TEST(ModelTest, LinksAreSymmetricWithoutDuplicatesOrSelfEdges) {
  Model m;
  for (Id i = 1; i <= 6; ++i) m.put(i, make(Kind::kDevice, 1, "d" + std::to_string(i)));
  m.link(1, 2);
  m.link(2, 1);  // same edge
  m.link(3, 3);  // self edge refused
  m.link(1, 5);
  m.link(6, 1);
  EXPECT_TRUE(m.linked(1, 2));
  EXPECT_TRUE(m.linked(2, 1));
  EXPECT_FALSE(m.linked(3, 3));
  EXPECT_TRUE(m.neighbors(3).empty());
  EXPECT_EQ(sorted(m.neighbors(1)), (std::vector<Id>{2, 5, 6}));
  expect_symmetric(m, 7);
  m.link(3, 4);
  EXPECT_EQ(m.edge_count(), 4u) << "each edge once, however often linked";

  m.unlink(5, 1);
  EXPECT_FALSE(m.linked(1, 5));
  EXPECT_FALSE(m.linked(5, 1));
  m.unlink(5, 1);  // again: harmless
  expect_symmetric(m, 7);
  EXPECT_EQ(m.edge_count(), 3u);

  m.clear_edges(1);
  EXPECT_TRUE(m.neighbors(1).empty());
  EXPECT_TRUE(m.neighbors(2).empty());
  EXPECT_TRUE(m.neighbors(6).empty());
  EXPECT_NE(m.find(1), nullptr) << "clear_edges keeps the entity";
  EXPECT_EQ(m.edge_count(), 1u);
  m.erase(4);
  EXPECT_EQ(m.edge_count(), 0u) << "erasing an object drops its edges";
  m.link_unchecked(2, 6);
  EXPECT_EQ(m.edge_count(), 1u);
  m.clear();
  EXPECT_EQ(m.edge_count(), 0u);
}

TEST(ModelTest, VersionMovesWithWhatTheGraphIsBuiltFrom) {
  Model m;
  auto moved = [&](auto&& change) {
    const auto before = m.version();
    change();
    return m.version() != before;
  };
  EXPECT_TRUE(moved([&] { m.put(1, make(Kind::kUser, 9, "ada")); })) << "a new object";
  EXPECT_TRUE(moved([&] { m.put(2, make(Kind::kUserGroup, 9, "eng")); }));
  Entity renamed = make(Kind::kUser, 9, "ada.l");
  renamed.flags = kFlagLocked;
  EXPECT_FALSE(moved([&] { m.put(1, renamed); })) << "a field change: the graph stays";
  EXPECT_TRUE(moved([&] { m.put(1, make(Kind::kDevice, 9, "ada")); })) << "another kind";
  EXPECT_TRUE(moved([&] { m.link(1, 2); }));
  EXPECT_FALSE(moved([&] { m.link(2, 1); })) << "already linked";
  EXPECT_TRUE(moved([&] { m.unlink(1, 2); }));
  EXPECT_FALSE(moved([&] { m.unlink(1, 2); })) << "nothing to remove";
  EXPECT_FALSE(moved([&] { m.clear_edges(1); }));
  EXPECT_TRUE(moved([&] { m.erase(1); }));
}

TEST(ModelTest, LinkGrowsForIdsNotYetPut) {
  Model m;
  m.link(100, 7);
  EXPECT_TRUE(m.linked(7, 100));
  EXPECT_EQ(m.find(100), nullptr);
  m.link_unchecked(8, 9);
  EXPECT_TRUE(m.linked(9, 8));
  expect_symmetric(m, 101);
}

TEST(ModelTest, AdminUserLinkBothWays) {
  Model m;
  m.put(1, make(Kind::kOrg, kNoId, "acme"));
  m.put(2, make(Kind::kUser, 1, "alice"));
  Entity admin = make(Kind::kAdmin, kNoId, "alice@example.com");
  admin.link = 2;
  m.put(3, admin);
  EXPECT_EQ(m.find(2)->link, 3u);
  EXPECT_EQ(m.find(3)->link, 2u);

  // A user's re-put (an update loaded from SQLite) does not know the link:
  // the admin side owns it, so it is kept.
  Entity user = make(Kind::kUser, 1, "alice");
  user.state = 2;
  m.put(2, user);
  EXPECT_EQ(m.find(2)->link, 3u);
  EXPECT_EQ(m.find(2)->state, 2);

  m.erase(3);
  EXPECT_EQ(m.find(2)->link, kNoId) << "erasing the admin clears the user's link";
}

TEST(ModelTest, ErasingLinkedUserClearsAdminLink) {
  Model m;
  m.put(2, make(Kind::kUser, 1, "alice"));
  Entity admin = make(Kind::kAdmin, kNoId, "a@example.com");
  admin.link = 2;  // put() links both sides
  m.put(3, admin);
  EXPECT_EQ(m.find(2)->link, 3u);
  m.erase(2);
  EXPECT_EQ(m.find(3)->link, kNoId);
}

TEST(ModelTest, NamesAreInternedCopies) {
  Model m;
  {
    std::string temp = "a-name-that-goes-away";
    m.put(1, make(Kind::kOrg, kNoId, temp));
    temp.assign(temp.size(), 'X');
  }
  EXPECT_EQ(m.find(1)->name, "a-name-that-goes-away");
  for (Id i = 2; i < 3000; ++i) m.put(i, make(Kind::kUser, 1, std::string(100, static_cast<char>('a' + i % 26))));
  EXPECT_EQ(m.find(1)->name, "a-name-that-goes-away") << "views survive the pool growing";
  EXPECT_GT(m.memory_bytes(), 3000u * 100u);
}

TEST(ModelTest, ClearForgetsEverything) {
  Model m;
  m.put(1, make(Kind::kOrg, kNoId, "acme"));
  m.put(2, make(Kind::kUser, 1, "u"));
  m.link(1, 2);
  m.clear();
  EXPECT_EQ(m.find(1), nullptr);
  EXPECT_EQ(m.live_objects(), 0u);
  EXPECT_EQ(m.max_id(), 0u);
  EXPECT_EQ(m.count(Kind::kOrg, kNoId), 0u);
  EXPECT_TRUE(m.neighbors(1).empty());
}

TEST(ModelTest, EntityFlags) {
  Entity e;
  EXPECT_FALSE(e.alive());
  e.flags = kFlagLocked | kFlagRemoteAssist;
  EXPECT_TRUE(e.has(kFlagLocked));
  EXPECT_FALSE(e.has(kFlagApiAccess));
  EXPECT_TRUE(e.has(kFlagRemoteAssist));
}

// ---- StringPool -----------------------------------------------------------------

// ---- memory follows the live objects (issue 15) --------------------------------------------

TEST(ModelTest, AChunkIsFreedWhenItsObjectsAreGone) {
  Model m;
  const Id n = 3 * Model::kChunk;
  for (Id id = 1; id <= n; ++id) m.put(id, make(Kind::kUser, 1, "user-" + std::to_string(id)));
  for (Id id = 2; id <= n; ++id) m.link(1, id);  // one huge group-like neighbour list
  const std::size_t full = m.memory_bytes();
  for (Id id = 2; id <= n; ++id) m.erase(id);
  EXPECT_EQ(m.live_objects(), 1u);
  EXPECT_EQ(m.edge_count(), 0u);
  EXPECT_LT(m.memory_bytes(), full / 2) << "the chunks of deleted ids went back";
  EXPECT_NE(m.find(1), nullptr);
  EXPECT_EQ(m.find(n), nullptr);
  EXPECT_TRUE(m.neighbors(n).empty());
  m.put(n + 1, make(Kind::kUser, 1, "later"));  // ids keep growing; only live chunks cost
  EXPECT_EQ(m.ids_of(Kind::kUser, 1), (std::vector<Id>{1, n + 1}));
}

TEST(ModelTest, CreatingAndDeletingKeepsMemoryFlat) {
  Model m;
  std::size_t after_first = 0;
  for (int cycle = 0; cycle < 5; ++cycle) {
    std::vector<Id> ids;
    for (int i = 0; i < 20000; ++i) {
      const Id id = m.allocate_id();
      m.put(id, make(Kind::kUser, 1, "a-rather-long-user-name-" + std::to_string(id)));
      ids.push_back(id);
    }
    for (Id id : ids) m.erase(id);
    m.compact_names();
    if (cycle == 0) after_first = m.memory_bytes();
    EXPECT_LE(m.memory_bytes(), after_first + after_first / 10) << "cycle " << cycle;
  }
  EXPECT_EQ(m.live_objects(), 0u);
}

TEST(ModelTest, CompactingNamesKeepsEveryLiveName) {
  Model m;
  for (Id id = 1; id <= 50000; ++id) m.put(id, make(Kind::kUser, 1, "a-longer-name-number-" + std::to_string(id)));
  for (Id id = 1; id <= 50000; ++id)
    if (id % 10 != 0) m.erase(id);
  const auto version = m.version();
  m.compact_names();
  EXPECT_NE(m.version(), version) << "views of names held elsewhere must be rebuilt";
  for (Id id = 10; id <= 50000; id += 10) ASSERT_EQ(m.find(id)->name, "a-longer-name-number-" + std::to_string(id));
}

TEST(ModelTest, RemovingAHugeGroupIsLinear) {
  Model m;
  const Id group = 1;
  m.put(group, make(Kind::kUserGroup, 1, "all"));
  for (Id id = 2; id <= 100001; ++id) {
    m.put(id, make(Kind::kUser, 1, "u"));
    m.link(id, group);  // linked() scans the member's short list, not the group's
  }
  m.erase(group);  // each member's list is searched once: linear in the members
  EXPECT_EQ(m.edge_count(), 0u);
  for (Id id = 2; id <= 100001; id += 997) EXPECT_TRUE(m.neighbors(id).empty());
}

TEST(StringPoolTest, InternCopiesAndKeepsViewsStable) {
  StringPool pool;
  EXPECT_TRUE(pool.intern("").empty());
  std::string_view first = pool.intern("hello");
  EXPECT_EQ(first, "hello");
  std::vector<std::string_view> views;
  for (int i = 0; i < 20000; ++i) views.push_back(pool.intern("name-" + std::to_string(i)));
  EXPECT_EQ(first, "hello");
  for (int i = 0; i < 20000; ++i) ASSERT_EQ(views[static_cast<std::size_t>(i)], "name-" + std::to_string(i));
  EXPECT_GE(pool.capacity_bytes(), 20000u * 9u);
}

TEST(StringPoolTest, StringsLargerThanABlock) {
  StringPool pool;
  std::string_view small = pool.intern("x");
  const std::string big(200000, 'b');
  std::string_view v = pool.intern(big);
  EXPECT_EQ(v, big);
  EXPECT_EQ(small, "x");
  EXPECT_EQ(pool.intern("after"), "after");
  EXPECT_GE(pool.capacity_bytes(), big.size());
}

TEST(StringPoolTest, ClearReleasesBlocks) {
  StringPool pool;
  pool.intern("abc");
  EXPECT_GT(pool.capacity_bytes(), 0u);
  pool.clear();
  EXPECT_EQ(pool.capacity_bytes(), 0u);
  EXPECT_EQ(pool.intern("def"), "def");
}

}  // namespace
}  // namespace dirctl
