# Coverage feedback for libFuzzer (-DMIGC_FUZZ=ON, clang only): the code under test is built with
# -fsanitize=fuzzer-no-link, so libFuzzer sees the edges of the parser and the compiler, not only
# those of the harnesses in tests/fuzz (which link with -fsanitize=fuzzer).
# MIGC_FUZZ_INSTRUMENT_LIBRARIES=OFF builds the libraries plain, to measure what that costs.
option(MIGC_FUZZ_INSTRUMENT_LIBRARIES "Instrument the fuzzed libraries for coverage" ON)

function(migc_fuzz_instrumented target)
  if(MIGC_FUZZ AND MIGC_FUZZ_INSTRUMENT_LIBRARIES)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()
