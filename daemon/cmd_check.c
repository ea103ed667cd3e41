/* cmd_check: placeholder until its module lands. */
#include <stdio.h>

#include "cmd.h"

int
cmd_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "schedd: 'check' is not built yet\n");
	return EXIT_FATAL;
}
