/* UTF-8 validation (utf8.h). */
#include "utf8.h"

size_t
utf8_valid_prefix(const unsigned char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		uint64_t w;

		/* Eight ASCII bytes at a time. */
		if (n - i >= 8 && (memcpy(&w, s + i, 8), !(w & 0x8080808080808080ull))) {
			i += 8;
			continue;
		}
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (!(k = utf8_seq(s + i, n - i)))
			break;
		i += k;
	}
	return i;
}
