/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The fuzz targets' one assertion: a broken invariant of the code under
 * test aborts, and libFuzzer reports the abort and saves the input.  For
 * C and C++.
 */
#ifndef HSM_FUZZ_CHECK_H
#define HSM_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

#endif
