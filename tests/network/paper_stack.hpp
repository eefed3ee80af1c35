#pragma once
/// A 28-scene stack shaped like the Baige paper's (section 2.2): 14 PALSAR-1 scenes Jan 2007 –
/// Feb 2011 on the 46-day repeat grid (with gaps), 14 PALSAR-2 scenes Oct 2014 – Aug 2018 on the
/// 14-day grid (with gaps), including the dates the paper names (2010-01-10, 2010-02-25,
/// 2015-07-27, 2016-10-03, 2018-05-28). Perpendicular baselines are synthetic.
#include <cmath>
#include <string>
#include <vector>

#include "orthotrack/network/network.hpp"

namespace orthotrack::test {

inline std::vector<network::Scene> paperStack() {
  const int p1[14][3] = {{2007, 1, 2},  {2007, 2, 17}, {2007, 7, 5},  {2007, 11, 20}, {2008, 1, 5},
                         {2008, 7, 7},  {2008, 10, 7}, {2009, 1, 7},  {2009, 7, 10},  {2009, 10, 10},
                         {2010, 1, 10}, {2010, 2, 25}, {2010, 7, 13}, {2011, 2, 28}};
  const int p2[14][3] = {{2014, 10, 6}, {2015, 6, 29}, {2015, 7, 27}, {2015, 11, 30}, {2016, 4, 4},
                         {2016, 10, 3}, {2017, 1, 9},  {2017, 5, 29}, {2017, 8, 21},  {2017, 11, 27},
                         {2018, 2, 5},  {2018, 4, 2},  {2018, 5, 28}, {2018, 8, 20}};
  std::vector<network::Scene> s;
  for (int k = 0; k < 14; ++k) {
    DateTime t(p1[k][0], p1[k][1], p1[k][2], 16, 5, 0.0);
    s.push_back({"P1_" + t.compactDate(), "PALSAR-1", t, 800.0 * std::sin(0.7 * k)});
  }
  for (int k = 0; k < 14; ++k) {
    DateTime t(p2[k][0], p2[k][1], p2[k][2], 16, 5, 0.0);
    s.push_back({"P2_" + t.compactDate(), "PALSAR-2", t, 28000.0 + 150.0 * std::cos(0.9 * k)});
  }
  return s;
}

}  // namespace orthotrack::test
