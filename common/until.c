#include <stdlib.h>

#include "err.h"
#include "until.h"

int
until_beyond(struct until *u, const struct rs_stamp *s)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (u->v[i].partition == s->partition) {
			if (s->offset < u->v[i].end)
				return 0;
			u->dropped++;
			return 1;
		}
	return 0;
}

void
until_finish(struct until *u)
{
	if (u->dropped)
		warnmsg("summary: %llu records at or past the --until offsets dropped",
		    (unsigned long long)u->dropped);
	free(u->v);
	u->v = NULL;
	u->n = 0;
}
