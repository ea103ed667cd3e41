/* cmd_daemon: placeholder until its module lands. */
#include <stdio.h>

#include "cmd.h"

int
cmd_daemon(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "schedd: 'daemon' is not built yet\n");
	return EXIT_FATAL;
}
