# Cross-compiles for arm64 (AWS Graviton) with Debian's aarch64 toolchain and multiarch libraries:
# g++-aarch64-linux-gnu plus librdkafka-dev:arm64, libcurl4-openssl-dev:arm64, libssl-dev:arm64
# (tools/deps/install-arm64.sh). Debian's cross compiler already searches /usr/include/aarch64-linux-gnu
# and /usr/lib/aarch64-linux-gnu, so no sysroot is needed; what must not leak in are the build
# machine's x86_64 libraries, hence the library architecture and pkg-config directory below.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# find_library/find_path: target libraries and headers only; programs (ccache, pkg-config) from the
# build machine.
set(CMAKE_FIND_ROOT_PATH /usr/lib/aarch64-linux-gnu /usr/include/aarch64-linux-gnu /usr)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# pkg-config (librdkafka, and FindCURL's first attempt) must read the arm64 .pc files.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Lets CMake run target programs (none are run by the bootstrap build) through qemu if asked.
find_program(DISPATCHER_QEMU_AARCH64 qemu-aarch64-static qemu-aarch64)
if(DISPATCHER_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${DISPATCHER_QEMU_AARCH64} -L /usr/aarch64-linux-gnu)
endif()
