# -DLF_SANITIZE=ON builds everything with AddressSanitizer and UndefinedBehaviorSanitizer;
# any report aborts the test that caused it.
option(LF_SANITIZE "Build with AddressSanitizer + UndefinedBehaviorSanitizer" OFF)
if(LF_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()
