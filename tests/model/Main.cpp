// The model tests run torch in-process: give them the same passive OpenMP policy as the CLI (see
// app/Environment.h), or on a busy 2-core machine they take many times longer.
#include <gtest/gtest.h>

#include "app/Environment.h"

int main(int argc, char** argv) {
  soundalike::app::prefer_passive_openmp(argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
