/* cmd_next: placeholder until its module lands. */
#include <stdio.h>

#include "cmd.h"

int
cmd_next(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "schedd: 'next' is not built yet\n");
	return EXIT_FATAL;
}
