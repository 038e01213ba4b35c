// SPDX-License-Identifier: MIT
//
// hsm/hsm.hpp: everything libhsm offers.  See libhsm(3).
#pragma once

#include "hsm/batch.hpp"
#include "hsm/context.hpp"
#include "hsm/keys.hpp"
#include "hsm/memory.hpp"
#include "hsm/result.hpp"
#include "hsm/stack.hpp"
#include "hsm/types.hpp"
