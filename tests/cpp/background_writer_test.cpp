// directory/background_writer.cpp: prepared users written in order by a
// second thread; drain() waits for them and rethrows a failed write.
#include "importer/background_writer.h"

#include <gtest/gtest.h>

#include <SQLiteCpp/Database.h>

#include "dirctl/error.h"
#include "store/store.h"

namespace dirctl {
namespace {

using namespace std::string_literals;

class BackgroundWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store.exec("INSERT INTO orgs (id, name, created, updated) VALUES (1, 'acme', 't', 't')");
    store.begin();
    event.time = "2026-11-23T00:00:00.000000Z";
    event.org = 1;
    event.event_type = "user_create";
    event.initiated_by_type = "system";
  }
  void TearDown() override { store.rollback(); }

  BulkUserWriter::Pending user(Id id) {
    BulkUserWriter::Pending p;
    writer.prepare(id, {{"username", "u" + std::to_string(id)}, {"email", "u" + std::to_string(id) + "@acme.com"}},
                   "", p);
    return p;
  }
  int count(const char* table) {
    return store.db().execAndGet(std::string("SELECT count(*) FROM ") + table).getInt();
  }

  Store store{":memory:", 1000};
  Event event;
  BulkUserWriter writer{store, 1, event, "t"};
};

TEST_F(BackgroundWriterTest, WritesEverythingInOrder) {
  {
    BackgroundWriter bg(writer);
    for (Id id = 10; id < 10 + 1000; ++id) bg.add(user(id));
    bg.drain();
    EXPECT_EQ(count("users"), 1000);
    EXPECT_EQ(bg.last_seq(), 1000);
    bg.add(user(5000));  // usable again after a drain
    bg.drain();
    EXPECT_EQ(bg.last_seq(), 1001);
  }
  EXPECT_EQ(store.db().execAndGet("SELECT group_concat(resource_id) FROM (SELECT resource_id FROM events "
                                  "WHERE seq IN (1, 2, 1000, 1001) ORDER BY seq)").getString(),
            "10,11,1009,5000");
}

TEST_F(BackgroundWriterTest, AFailedWriteStopsItAndDrainRethrows) {
  BackgroundWriter bg(writer);
  auto feed = [&] {
    bg.add(user(10));
    bg.add(user(10));  // the same id again: the user row's primary key refuses it
    for (Id id = 11; id < 600; ++id) bg.add(user(id));  // add() may already report it
    bg.drain();
  };
  EXPECT_THROW(feed(), StorageError);
  EXPECT_THROW(bg.drain(), StorageError) << "it stays failed";
  // The first batch stops at the duplicate; later batches are dropped.
  EXPECT_EQ(count("users"), 1);
  EXPECT_EQ(count("events"), 1);
}

TEST_F(BackgroundWriterTest, DestroyedWithWorkPendingJoinsQuietly) {
  auto bg = std::make_unique<BackgroundWriter>(writer);
  for (Id id = 10; id < 3000; ++id) bg->add(user(id));
  bg.reset();  // no drain: whatever was not written is dropped, nothing hangs
  // The last, partial batch (2990 % 256 rows) was never handed over; what
  // was written is a prefix of what was added, in order.
  EXPECT_LE(count("users"), 2990 - 2990 % 256);
  EXPECT_EQ(store.db().execAndGet("SELECT count(*) = coalesce(max(id) - min(id) + 1, 0) AND "
                                  "coalesce(min(id), 10) = 10 FROM users").getInt(), 1);
}

}  // namespace
}  // namespace dirctl
