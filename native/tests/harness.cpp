#include "harness.h"

#include <cstdlib>

namespace lftest {

std::map<std::string, std::function<void()>>& registry() {
  static std::map<std::string, std::function<void()>> tests;
  return tests;
}

void fail(const char* file, int line, const std::string& message) {
  throw Failure{std::string(file) + ":" + std::to_string(line) + ": " + message};
}

}  // namespace lftest

int main(int argc, char** argv) {
  auto& tests = lftest::registry();
  if (argc == 2 && std::string(argv[1]) == "--list") {
    for (auto& t : tests) std::printf("%s\n", t.first.c_str());
    return 0;
  }
  int failed = 0, ran = 0;
  for (auto& t : tests) {
    if (argc > 1 && t.first != argv[1]) continue;
    ++ran;
    try {
      t.second();
      std::printf("[ PASS ] %s\n", t.first.c_str());
    } catch (const lftest::Failure& f) {
      ++failed;
      std::printf("[ FAIL ] %s\n  %s\n", t.first.c_str(), f.message.c_str());
    }
  }
  if (ran == 0) {
    std::printf("no test named %s\n", argc > 1 ? argv[1] : "(any)");
    return 2;
  }
  return failed == 0 ? 0 : 1;
}
