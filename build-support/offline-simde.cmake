# CMake toolchain file used for the QuickJS (v8x) build on machines without internet.
# The WAMR sub-build fetches SIMDe with FetchContent; Debian's libsimde-dev ships the
# same headers under /usr/include/simde, so point FetchContent there and forbid downloads.
if(EXISTS "/usr/include/simde")
  set(FETCHCONTENT_SOURCE_DIR_SIMDE "/usr/include" CACHE PATH "SIMDe from libsimde-dev" FORCE)
  set(FETCHCONTENT_FULLY_DISCONNECTED ON CACHE BOOL "No network for FetchContent" FORCE)
endif()
