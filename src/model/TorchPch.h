// Precompiled for src/model/*.cpp only: <torch/torch.h> is the single most expensive header in the build.
#pragma once
#include <torch/script.h>
#include <torch/torch.h>
