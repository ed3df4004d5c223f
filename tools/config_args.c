/* config_args.c - --config files for the daemons (see config_args.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_args.h"

char **config_args(const char *prog, int *argc, char **argv)
{
	const char *path = NULL;
	char **out, line[1024];
	int i, n = 0, cap;
	FILE *f;

	for (i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < *argc)
			path = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
	}
	cap = *argc + 64;
	out = calloc((size_t)cap + 1, sizeof(*out));
	if (!out)
		return NULL;
	out[n++] = argv[0];
	if (path) {
		int lineno = 0;

		if (!(f = fopen(path, "r"))) {
			fprintf(stderr, "%s: --config %s: %s\n", prog, path, strerror(errno));
			free(out);
			return NULL;
		}
		while (fgets(line, sizeof(line), f) && n < cap - *argc) {
			char *k = line, *v, *e;

			lineno++;
			k[strcspn(k, "#\n")] = '\0';
			while (*k == ' ' || *k == '\t')
				k++;
			if (!*k)
				continue;
			v = strchr(k, '=');
			if (!v) {
				fprintf(stderr, "%s: %s:%d: expected \"option = value\"\n",
					prog, path, lineno);
				fclose(f);
				free(out);
				return NULL;
			}
			*v++ = '\0';
			for (e = v - 2; e >= k && (*e == ' ' || *e == '\t'); e--)
				*e = '\0';
			while (*v == ' ' || *v == '\t')
				v++;
			for (e = v + strlen(v) - 1; e >= v && (*e == ' ' || *e == '\t'); e--)
				*e = '\0';
			if (strcmp(v, "false") == 0)
				continue;
			if (asprintf(&out[n], strcmp(v, "true") == 0 ? "--%s" : "--%s=%s", k, v) < 0) {
				fclose(f);
				free(out);
				return NULL;
			}
			n++;
		}
		fclose(f);
	}
	for (i = 1; i < *argc; i++)
		out[n++] = argv[i];
	out[n] = NULL;
	*argc = n;
	return out;
}
