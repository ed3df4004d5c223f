/* config_args.h - a daemon's --config FILE: "option = value" lines (long
 * option names; "flag = true"; '#' comments) become arguments placed
 * before the command line's, so flags given there win. */
#ifndef EAA_TOOLS_CONFIG_ARGS_H
#define EAA_TOOLS_CONFIG_ARGS_H

/* The new argv (malloc'd; argc updated), or NULL with the reason printed
 * as "<prog>: ...". */
char **config_args(const char *prog, int *argc, char **argv);

#endif
