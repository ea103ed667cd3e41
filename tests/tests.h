/* Shared by every Check test file: the prototypes of all suites. */
#ifndef SCHEDD_TESTS_H
#define SCHEDD_TESTS_H

#include <check.h>

#define SUITE(name) Suite *name##_suite(void);
#include "suites.h"
#undef SUITE

#endif
