# SPDX-License-Identifier: MIT
# Strict warnings and hardening for our own targets (applied through lanyard_strict()).
add_library(lanyard_flags INTERFACE)
target_compile_options(lanyard_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual
  $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local> $<$<CXX_COMPILER_ID:Clang>:-Wshadow-uncaptured-local> -Wformat=2 -Wno-unused-parameter)
target_compile_definitions(lanyard_flags INTERFACE
  QT_NO_FOREACH QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
  $<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
target_compile_options(lanyard_flags INTERFACE -fstack-protector-strong)
target_link_options(lanyard_flags INTERFACE -Wl,-z,relro -Wl,-z,now)
if(LANYARD_WERROR)
  target_compile_options(lanyard_flags INTERFACE -Werror)
endif()
if(LANYARD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
