#include <cstdio>
#include <string_view>

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "--version") {
    std::puts("ddb-eventstore-dispatcher 0.1.0");
    return 0;
  }
  std::fputs("ddb-eventstore-dispatcher: not wired yet; see docs/\n", stderr);
  return 2;
}
