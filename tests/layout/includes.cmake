# A room may include the headers of the rooms it may call and no other, and the header of a
# third-party library only if it owns it (cmake/rooms.cmake): compiled with the room's own
# include directories, a file that includes another room's header finds no file, and one that
# includes a guarded header it does not own (<sqlite3.h> outside src/store) stops with the rule.
#   cmake -DCC=compiler -DROOM=room -DINCLUDES=dir|dir... -DSOURCE_DIR=... -DROOMS=room|...
#         -DCALLS=room|... -DGUARDS=header|... -DOWNS=header|... -DWORK=dir -P includes.cmake
# (lists are given with | between the items). Each probe that should compile is checked too, so
# that a probe cannot fail for a reason other than the rule.
cmake_minimum_required(VERSION 3.18)
foreach(v INCLUDES ROOMS CALLS GUARDS OWNS)
  string(REPLACE "|" ";" ${v} "${${v}}")
endforeach()
set(flags -std=c11 -D_POSIX_C_SOURCE=200809L -fsyntax-only)
foreach(d ${INCLUDES})
  list(APPEND flags -I${d})
endforeach()
file(MAKE_DIRECTORY ${WORK})
set(failures "")

# probe(NAME TEXT EXPECT): compile TEXT; EXPECT is "ok" or a text the errors must hold
function(probe name text expect)
  set(src ${WORK}/${ROOM}_${name}.c)
  file(WRITE ${src} "${text}\nint pn_probe(void);\n")
  execute_process(COMMAND ${CC} ${flags} ${src} RESULT_VARIABLE rc OUTPUT_VARIABLE out
    ERROR_VARIABLE out)
  if(expect STREQUAL "ok")
    if(NOT rc EQUAL 0)
      set(failures "${failures}\nsrc/${ROOM}: '${text}' should compile, but:\n${out}" PARENT_SCOPE)
    endif()
  elseif(rc EQUAL 0)
    set(failures "${failures}\nsrc/${ROOM}: '${text}' compiles, and should not (${expect})" PARENT_SCOPE)
  else()
    string(FIND "${out}" "${expect}" at)
    if(at EQUAL -1)
      set(failures "${failures}\nsrc/${ROOM}: '${text}' fails, but not with '${expect}':\n${out}" PARENT_SCOPE)
    endif()
  endif()
endfunction()

# the header of a room: its first public one
function(room_header room var)
  file(GLOB hs RELATIVE ${SOURCE_DIR}/src ${SOURCE_DIR}/src/${room}/*.h)
  list(FILTER hs EXCLUDE REGEX "_internal\\.h$")
  list(SORT hs)
  list(GET hs 0 h)
  set(${var} ${h} PARENT_SCOPE)
endfunction()

foreach(r ${ROOMS})
  room_header(${r} h)
  if(r STREQUAL ROOM OR r IN_LIST CALLS)
    probe(calls_${r} "#include \"${h}\"" ok)
  else()
    probe(calls_${r} "#include \"${h}\"" "${h}: No such file")
  endif()
endforeach()
# SQLite is the store's whatever the room declares it owns (docs/architecture.md).
# TODO(issue 10): import goes once it uses the store writer.
set(sqlite_rooms store import)
foreach(g ${GUARDS})
  if(g STREQUAL "sqlite3.h")
    if(NOT ROOM IN_LIST sqlite_rooms)
      probe(uses_sqlite "#include <sqlite3.h>"
        "#error \"only src/store may use SQLite (docs/architecture.md)\"")
    endif()
  elseif(NOT g IN_LIST OWNS)
    probe(uses_${g} "#include <${g}>" "#error \"only src/")
  endif()
endforeach()

if(failures)
  message(FATAL_ERROR "the layering of the build does not hold:${failures}")
endif()
message(STATUS "src/${ROOM}: includes what it may call, and no other room's header nor library's")
