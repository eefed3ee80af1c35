#include <gtest/gtest.h>

#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/error.hpp"

using namespace orthotrack;

TEST(DateTime, ParseFormatRoundTrip) {
  const auto d = DateTime::parse("2003-02-26T17:55:34.122893704");
  EXPECT_EQ(d.iso(9), "2003-02-26T17:55:34.122893704");
  EXPECT_EQ(d.iso(6), "2003-02-26T17:55:34.122893");
  EXPECT_EQ(d.isoDate(), "2003-02-26");
  EXPECT_EQ(d.compactDate(), "20030226");
  EXPECT_EQ(DateTime::parse("2010-01-10").iso(0), "2010-01-10T00:00:00");
  EXPECT_EQ(DateTime::parse("2010-01-10 03:04:05Z").iso(0), "2010-01-10T03:04:05");
  EXPECT_EQ(DateTime::parse("1969-12-31T23:59:59.5").iso(1), "1969-12-31T23:59:59.5");
}

TEST(DateTime, Differences) {
  const auto a = DateTime::parse("2010-02-25");
  const auto b = DateTime::parse("2015-07-27");
  EXPECT_DOUBLE_EQ(b.secondsSince(a) / 86400.0, 1978.0);  // the paper's temporal baseline
  EXPECT_DOUBLE_EQ(a.plusSeconds(1.25).secondsSince(a), 1.25);
  EXPECT_NEAR(DateTime::parse("2000-01-01T00:00:00.000001").secondsSince(DateTime(2000, 1, 1)), 1e-6, 1e-15);
  EXPECT_EQ(DateTime(2018, 10, 11).isoDate(), "2018-10-11");
  EXPECT_EQ(DateTime(2016, 2, 29).day(), 29);
}

TEST(DateTime, DecimalYear) {
  EXPECT_DOUBLE_EQ(DateTime(2018, 1, 1).decimalYear(), 2018.0);
  EXPECT_NEAR(DateTime(2018, 7, 2, 12).decimalYear(), 2018.5, 1e-9);  // 181.5 of 365 days
  EXPECT_NEAR(DateTime(2016, 7, 2).decimalYear(), 2016.0 + 183.0 / 366.0, 1e-12);
}

TEST(DateTime, RejectsGarbageWithTheText) {
  for (const char* bad : {"", "2010-13-01", "2010-02-30", "10-01-2010", "2010-01-01T25:00:00", "2010-01-01Tab:cd:ef",
                          "2010-01-01T00:00:00.", "2010/01/01"}) {
    try {
      DateTime::parse(bad);
      FAIL() << "accepted " << bad;
    } catch (const InvalidInput& e) {
      EXPECT_EQ(e.context().value, bad);
    }
  }
}
