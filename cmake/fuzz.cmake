# libFuzzer targets: tests/fuzz/fuzz_*.c, one executable each (make fuzz runs them).
#
# Included from CMakeLists.txt when PN_FUZZ is ON, after the rooms' libraries are defined. A
# finding must be caught where it happens, so every room's library is instrumented too:
# coverage for libFuzzer (-fsanitize=fuzzer-no-link) and AddressSanitizer +
# UndefinedBehaviorSanitizer that abort on the first error, which libFuzzer reports with the
# input. Only the targets link libFuzzer's main; everything that links a room's library links
# the sanitizer runtimes.
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "PN_FUZZ needs clang (libFuzzer): configure with -DCMAKE_C_COMPILER=clang")
endif()

set(pn_fuzz_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
foreach(room ${pn_rooms})
  target_compile_options(panorama_${room} PRIVATE ${pn_fuzz_san} -fsanitize=fuzzer-no-link)
  target_link_options(panorama_${room} INTERFACE ${pn_fuzz_san})
endforeach()

file(GLOB pn_fuzz_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
foreach(src ${pn_fuzz_sources})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_compile_options(${name} PRIVATE ${pn_fuzz_san} -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  # (the targets may look into the store with SQLite, as the tests do)
  target_link_libraries(${name} PRIVATE panorama_core PkgConfig::SQLITE3)
  if(name STREQUAL "fuzz_xlsx") # builds the archive around its input
    target_link_libraries(${name} PRIVATE PkgConfig::LIBZIP)
  endif()
endforeach()
