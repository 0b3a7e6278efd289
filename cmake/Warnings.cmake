# Warnings are errors in every target of ours (not in third-party headers, which come in as
# SYSTEM includes through their imported targets).
add_library(s3unload_warnings INTERFACE)
target_compile_options(s3unload_warnings INTERFACE -Wall -Wextra -Wpedantic -Werror)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  target_compile_options(s3unload_warnings INTERFACE -Wthread-safety)
endif()
