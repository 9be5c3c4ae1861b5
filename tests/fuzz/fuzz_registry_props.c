/* The Confluent properties parser (regprops_parse) on arbitrary text: never
 * reads out of bounds, always says why it refused (naming the file), and
 * what it accepts is safe to send: no credential with CR or LF, user info
 * with its colon, never both credentials. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regprops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct regprops p;
	char err[512];

	err[0] = '\0';
	if (regprops_parse("f.properties", (const char *)data, size, &p, err, sizeof(err))) {
		if (strncmp(err, "f.properties", 12) || strlen(err) >= sizeof(err))
			abort();
		return 0;
	}
	if ((p.token && (strpbrk(p.token, "\r\n") || !p.token_key)) ||
	    (p.user_info && (strpbrk(p.user_info, "\r\n") || !strchr(p.user_info, ':') ||
	    !p.user_key)) || (p.user_info && p.token))
		abort();
	if ((p.url && !*p.url) || (p.ca && !*p.ca) || (p.cert && !*p.cert) || (p.key && !*p.key))
		abort();
	regprops_free(&p);
	return 0;
}
