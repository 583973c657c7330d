# libFuzzer targets: tests/fuzz/fuzz_*.c, one executable each (make fuzz runs them).
#
# Included from CMakeLists.txt when PN_FUZZ is ON, after the core library is defined. A finding
# must be caught where it happens, so the core library is instrumented too: coverage for
# libFuzzer (-fsanitize=fuzzer-no-link) and AddressSanitizer + UndefinedBehaviorSanitizer that
# abort on the first error, which libFuzzer reports with the input. Only the targets link
# libFuzzer's main; everything that links the core library links the sanitizer runtimes.
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "PN_FUZZ needs clang (libFuzzer): configure with -DCMAKE_C_COMPILER=clang")
endif()

set(pn_fuzz_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
target_compile_options(panorama_core PRIVATE ${pn_fuzz_san} -fsanitize=fuzzer-no-link)
target_link_options(panorama_core INTERFACE ${pn_fuzz_san})

file(GLOB pn_fuzz_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
foreach(src ${pn_fuzz_sources})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_compile_options(${name} PRIVATE ${pn_fuzz_san} -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE panorama_core)
endforeach()
