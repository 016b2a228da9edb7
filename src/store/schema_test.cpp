// Tests of the mail database's creation and reopening: WAL mode, the schema version, a newer version
// refused, the private file mode.
#include "store/schema.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "store/store_test_util.h"

namespace danemail::store {
namespace {

using testing::open_store;
using testing::TemporaryDirectory;

int64_t single_integer(detail::Connection& db, const std::string& sql) {
    auto query = db.query(sql);
    EXPECT_TRUE(query.ok());
    if (!query.ok()) return -1;
    auto row = query->step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    return query->column_int64(0);
}

TEST(Schema, NewDatabaseGetsTablesVersionAndWal) {
    TemporaryDirectory dir;
    ASSERT_NE(open_store(dir.path()), nullptr);
    auto db = detail::Connection::open(dir.path() + "/mail.db", false, true);
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    EXPECT_EQ(single_integer(*db, "PRAGMA user_version"), detail::kSchemaVersion);
    auto mode = db->query("PRAGMA journal_mode");
    ASSERT_TRUE(mode.ok());
    ASSERT_TRUE(*mode->step());
    EXPECT_EQ(mode->column_text(0), "wal");
    for (const char* table : {"domains", "accounts", "aliases", "mailboxes", "messages", "message_files",
                              "outbound_messages", "outbound_recipients"}) {
        EXPECT_EQ(single_integer(
                      *db, std::string("SELECT count(*) FROM sqlite_schema WHERE name = '") + table + "'"),
                  1)
            << table;
    }
    EXPECT_EQ(single_integer(*db, "PRAGMA foreign_keys"), 1);
    EXPECT_EQ(single_integer(*db, "PRAGMA synchronous"), 2);  // FULL
}

TEST(Schema, DatabaseFileIsPrivate) {
    TemporaryDirectory dir;
    ASSERT_NE(open_store(dir.path()), nullptr);
    struct stat info {};
    ASSERT_EQ(::stat((dir.path() + "/mail.db").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((dir.path() + "/messages").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
}

TEST(Schema, ReopenKeepsData) {
    TemporaryDirectory dir;
    {
        auto store = open_store(dir.path());
        ASSERT_NE(store, nullptr);
        ASSERT_TRUE(store->add_domain("example.org").ok());
    }
    auto store = open_store(dir.path());
    ASSERT_NE(store, nullptr);
    auto domains = store->domains();
    ASSERT_TRUE(domains.ok());
    EXPECT_EQ(*domains, std::vector<std::string>{"example.org"});
}

TEST(Schema, NewerVersionIsRefused) {
    TemporaryDirectory dir;
    ASSERT_NE(open_store(dir.path()), nullptr);
    {
        auto db = detail::Connection::open(dir.path() + "/mail.db", false, false);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db->exec("PRAGMA user_version = 99").ok());
    }
    auto store = SqliteStore::open(dir.path());
    ASSERT_FALSE(store.ok());
    EXPECT_NE(store.error().what.find("newer danemail"), std::string::npos) << store.error().to_string();
}

TEST(Schema, ForeignDatabaseIsRefused) {
    TemporaryDirectory dir;
    {
        auto db = detail::Connection::open(dir.path() + "/mail.db", true, false);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db->exec("CREATE TABLE domains (x)").ok());
    }
    EXPECT_FALSE(SqliteStore::open(dir.path()).ok());
}

}  // namespace
}  // namespace danemail::store
