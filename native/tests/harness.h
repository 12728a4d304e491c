// A minimal test harness: tests register themselves by name and ctest runs one per process
// (lf_kernel_tests <name>), so each shows up as its own line in ctest's output.
#ifndef LAYERFUSE_TEST_HARNESS_H
#define LAYERFUSE_TEST_HARNESS_H

#include <cstdio>
#include <functional>
#include <map>
#include <string>

namespace lftest {

struct Failure {
  std::string message;
};

std::map<std::string, std::function<void()>>& registry();

struct Register {
  Register(const char* name, std::function<void()> fn) { registry()[name] = std::move(fn); }
};

[[noreturn]] void fail(const char* file, int line, const std::string& message);

}  // namespace lftest

#define LF_TEST(name)                                                  \
  static void name();                                                  \
  static ::lftest::Register name##_registration(#name, &name);         \
  static void name()

#define LF_CHECK(cond, msg)                                                       \
  do {                                                                            \
    if (!(cond)) ::lftest::fail(__FILE__, __LINE__, std::string(#cond " : ") + (msg)); \
  } while (0)

#endif
