#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>

#include "orthotrack/core/error.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/io/scene.hpp"
#include "stack_fixture.hpp"
#include "test_data.hpp"

using namespace orthotrack;
using nlohmann::json;
namespace fs = std::filesystem;

TEST(Stack, ValidStackLoadsSortedWithParams) {
  const auto dir = test::tempDir("stack_ok");
  const auto p = test::fakeStack(dir.string());
  const auto st = io::loadStack(p);
  ASSERT_EQ(st.scenes.size(), 3u);
  EXPECT_EQ(st.scenes[0].id, "A1");
  EXPECT_EQ(st.scenes[2].platform, "PALSAR-2");
  EXPECT_EQ(st.platforms(), (std::vector<std::string>{"PALSAR-1", "PALSAR-2"}));
  EXPECT_EQ(st.params["offsets"]["step"].get<int>(), 16);
  EXPECT_EQ(st.outputDir, (dir / "run").string());
  EXPECT_TRUE(fs::path(st.scenes[0].image).is_absolute());
  // Scene metadata round trip keeps every field.
  const auto& a = st.scenes[0];
  const auto b = io::readSceneMetadata(a.metadataPath);
  EXPECT_EQ(b.grid.sensingStart, a.grid.sensingStart);
  EXPECT_EQ(b.orbit.size(), a.orbit.size());
  EXPECT_EQ(b.orbit.stateVectors()[3].position, a.orbit.stateVectors()[3].position);
}

namespace {
// Applies `edit` to the JSON of scene A2 and expects loadStack to throw E whose message names
// the file, the key and (if given) the value.
template <class E>
void expectSceneError(const std::string& name, const std::function<void(json&)>& edit, const std::string& key,
                      const std::string& value = "") {
  const auto dir = test::tempDir("stack_" + name);
  const auto p = test::fakeStack(dir.string());
  const std::string scene = (dir / "A2.json").string();
  json j = json::parse(io::readTextFile(scene));
  edit(j);
  io::writeFileAtomic(scene, j.dump(1));
  try {
    io::loadStack(p);
    FAIL() << name << ": no error";
  } catch (const E& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("A2.json"), std::string::npos) << name << ": " << what;
    EXPECT_NE(what.find(key), std::string::npos) << name << ": " << what;
    if (!value.empty()) {
      EXPECT_NE(what.find(value), std::string::npos) << name << ": " << what;
    }
  } catch (const std::exception& e) {
    FAIL() << name << ": wrong error type: " << e.what();
  }
}
}  // namespace

TEST(Stack, SceneErrorsNameFileKeyAndValue) {
  expectSceneError<InvalidInput>("missing_key", [](json& j) { j["radar_grid"].erase("wavelength"); }, "radar_grid.wavelength");
  expectSceneError<InvalidInput>("wrong_type", [](json& j) { j["radar_grid"]["length"] = "many"; }, "radar_grid.length", "many");
  expectSceneError<InvalidInput>("negative", [](json& j) { j["radar_grid"]["range_pixel_spacing"] = -9.4; },
                                 "radar_grid.range_pixel_spacing", "-9.4");
  expectSceneError<InvalidInput>("look", [](json& j) { j["radar_grid"]["look_side"] = "up"; }, "radar_grid.look_side", "up");
  expectSceneError<InvalidInput>("bad_time", [](json& j) { j["radar_grid"]["sensing_start"] = "2008-02-30"; },
                                 "radar_grid.sensing_start", "2008-02-30");
  expectSceneError<InvalidInput>("few_svs", [](json& j) {
    auto& a = j["orbit"]["state_vectors"];
    a.erase(a.begin() + 3, a.end());
  }, "orbit.state_vectors", "3");
  expectSceneError<InvalidInput>("svs_order", [](json& j) {
    auto& a = j["orbit"]["state_vectors"];
    std::swap(a[4], a[5]);
  }, "orbit.state_vectors[5].time");
  expectSceneError<InvalidInput>("orbit_cover", [](json& j) { j["radar_grid"]["sensing_start"] = "2008-03-02T17:00:00"; },
                                 "orbit", "does not cover");
  expectSceneError<InvalidInput>("size", [](json& j) { j["radar_grid"]["width"] = 25; }, "radar_grid.length/width", "A2.tif");
  expectSceneError<IoError>("image_missing", [](json& j) { j["image"]["path"] = "gone.tif"; }, "gone.tif");
  expectSceneError<InvalidInput>("duplicate", [](json& j) { j["id"] = "A1"; }, "id", "A1");
  expectSceneError<InvalidInput>("nan_position", [](json& j) { j["orbit"]["state_vectors"][2]["position"][0] = "NaN"; },
                                 "orbit.state_vectors[2].position");
  expectSceneError<InvalidInput>("kind", [](json& j) { j["image"]["kind"] = "amplitude"; }, "image.kind");
}

TEST(Stack, StackFileErrors) {
  const auto dir = test::tempDir("stack_file");
  const auto p = test::fakeStack(dir.string());
  const std::string good = io::readTextFile(p);
  auto expectMsg = [&](const std::string& text, const std::string& needle) {
    io::writeFileAtomic(p, text);
    try {
      io::loadStack(p);
      FAIL() << "accepted: " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("stack.toml"), std::string::npos) << e.what();
    }
  };
  expectMsg("[stack\nname=1", "not valid TOML");
  expectMsg(std::regex_replace(good, std::regex("dem = \"dem.tif\""), "dem = \"nodem.tif\""), "stack.dem");
  expectMsg(std::regex_replace(good, std::regex("dem = \"dem.tif\"\n"), ""), "stack.dem");
  expectMsg(std::regex_replace(good, std::regex("\"A2.json\""), "\"A9.json\""), "stack.scenes[1]");
  expectMsg(std::regex_replace(good, std::regex("\"A2.json\""), "42"), "stack.scenes[1]");
  try {
    io::loadStack((dir / "missing.toml").string());
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.toml"), std::string::npos);
  }
}
