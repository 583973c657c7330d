# The rooms of src/ (docs/architecture.md), each built on its own, so that the layering is a fact
# of the build rather than a convention.
#
# A room sees src/ through a folder of its own, <build>/rooms/<room>/, which holds a link to
# itself and to each room it may call, and to no other: `#include "import/import.h"` in a room
# that may not call the import finds no file. The compiler searches /usr/include whatever the
# flags, so leaving out a third-party library's -I is not enough: the same folder holds, for
# each guarded header that the room does not own, a header of that name that stops the
# compiler with the rule it breaks. The folder comes first in the room's search path.
#
#   pn_guard(HEADER MESSAGE)       guard HEADER in every room that does not list it in OWNS
#   pn_room_tree(ROOM CALLS... OWNS...)   make <build>/rooms/ROOM and name it in pn_room_dir_ROOM
#   pn_room(ROOM CALLS... OWNS... LIBS...)   the static library panorama_ROOM of src/ROOM/*.c:
#                                  the rooms it calls linked PUBLIC (their headers appear in its
#                                  own), its third-party LIBS PRIVATE

set(pn_rooms_dir ${CMAKE_BINARY_DIR}/rooms)
set(pn_guards "")

function(pn_guard header message)
  set(pn_guards ${pn_guards} ${header} PARENT_SCOPE)
  set(pn_guard_message_${header} "${message}" PARENT_SCOPE)
endfunction()

function(pn_room_tree room)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "CALLS;OWNS")
  set(dir ${pn_rooms_dir}/${room})
  file(MAKE_DIRECTORY ${dir})
  set(wanted ${room} ${arg_CALLS})
  # What an earlier configuration left and this one no longer allows goes (links only: a
  # link is removed, never what it points to).
  file(GLOB entries RELATIVE ${dir} ${dir}/*)
  foreach(e ${entries})
    if(IS_SYMLINK ${dir}/${e} AND NOT e IN_LIST wanted)
      file(REMOVE ${dir}/${e})
    endif()
  endforeach()
  foreach(r ${wanted})
    if(NOT IS_DIRECTORY ${CMAKE_SOURCE_DIR}/src/${r})
      message(FATAL_ERROR "room ${room}: there is no src/${r} to call")
    endif()
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/src/${r} ${dir}/${r} SYMBOLIC)
  endforeach()
  foreach(h ${pn_guards})
    if(h IN_LIST arg_OWNS)
      file(REMOVE ${dir}/${h})
    else()
      # (CONFIGURE writes only what changed, so that configuring again rebuilds nothing)
      file(CONFIGURE OUTPUT ${dir}/${h} CONTENT
        "/* Made by cmake/rooms.cmake: src/${room} may not include <${h}>. */
#error \"${pn_guard_message_${h}}\"
")
    endif()
  endforeach()
  set(pn_room_dir_${room} ${dir} PARENT_SCOPE)
  # for the tests of tests/layout
  set_property(GLOBAL PROPERTY pn_room_calls_${room} ${arg_CALLS})
  set_property(GLOBAL PROPERTY pn_room_owns_${room} ${arg_OWNS})
endfunction()

function(pn_room room)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "CALLS;OWNS;LIBS")
  pn_room_tree(${room} CALLS ${arg_CALLS} OWNS ${arg_OWNS})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${room}/*.c)
  add_library(panorama_${room} STATIC ${sources})
  target_include_directories(panorama_${room} BEFORE PRIVATE ${pn_room_dir_${room}})
  foreach(c ${arg_CALLS})
    target_link_libraries(panorama_${room} PUBLIC panorama_${c})
  endforeach()
  target_link_libraries(panorama_${room} PRIVATE ${arg_LIBS})
  set(pn_rooms ${pn_rooms} ${room} PARENT_SCOPE)
endfunction()
