# Finds the OpenBLAS that bytedeco's openblas jar ships, as extracted by JavaCPP.
# Input: OPENBLAS_HOME, the extracted org/bytedeco/openblas/<platform>/ directory
# (JavaCPP exports it as $BUILD_PATH). The jar's own OpenBLASConfig.cmake and openblas.pc
# point at paths that do not exist, so the headers and library are located by hand.
# Output: BytedecoOpenBLAS::OpenBLAS (imported shared library with its include directory).
set(OPENBLAS_HOME "$ENV{OPENBLAS_HOME}" CACHE PATH "Extracted bytedeco OpenBLAS directory")

find_path(BytedecoOpenBLAS_INCLUDE_DIR cblas.h
  PATHS "${OPENBLAS_HOME}/include" NO_DEFAULT_PATH)
find_file(BytedecoOpenBLAS_LIBRARY NAMES libopenblas.so.0 libopenblas.so
  PATHS "${OPENBLAS_HOME}" "${OPENBLAS_HOME}/lib" NO_DEFAULT_PATH)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(BytedecoOpenBLAS
  REQUIRED_VARS BytedecoOpenBLAS_LIBRARY BytedecoOpenBLAS_INCLUDE_DIR
  REASON_FAILURE_MESSAGE "set OPENBLAS_HOME to the directory JavaCPP extracted org/bytedeco/openblas/<platform>/ into")

if(BytedecoOpenBLAS_FOUND AND NOT TARGET BytedecoOpenBLAS::OpenBLAS)
  add_library(BytedecoOpenBLAS::OpenBLAS SHARED IMPORTED)
  set_target_properties(BytedecoOpenBLAS::OpenBLAS PROPERTIES
    IMPORTED_LOCATION "${BytedecoOpenBLAS_LIBRARY}"
    IMPORTED_NO_SONAME FALSE
    INTERFACE_INCLUDE_DIRECTORIES "${BytedecoOpenBLAS_INCLUDE_DIR}")
endif()
