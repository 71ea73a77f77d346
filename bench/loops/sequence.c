/*
 * sequence.c - the module indexes a spread loop visits (sequence.h).
 */
#include "sequence.h"

#include <stdlib.h>

uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/*
 * Module indexes for one thread, drawn before the window: the draw costs
 * one sequential load per operation, the same for every scheme.  Zipf(1)
 * ranks are mapped to modules through a fixed shuffle, so that the popular
 * modules are scattered over module memory as loaded modules would be.
 */
void spread_sequence(uint32_t *seq, unsigned int n, bool zipf, uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
	double *cdf = NULL;
	uint32_t *perm = NULL;

	if (zipf) {
		double h = 0;
		cdf = malloc(n * sizeof(*cdf));
		perm = malloc(n * sizeof(*perm));
		if (!cdf || !perm) {
			free(cdf);
			free(perm);
			zipf = false;
		} else {
			for (unsigned int i = 0; i < n; i++) {
				h += 1.0 / (i + 1);
				cdf[i] = h;
				perm[i] = i;
			}
			for (unsigned int i = 0; i < n; i++)
				cdf[i] /= h;
			uint64_t ps = 0x5eed;
			for (unsigned int i = n - 1; i > 0; i--) {
				unsigned int j = (unsigned int)(xorshift64(&ps) % (i + 1));
				uint32_t t = perm[i];
				perm[i] = perm[j];
				perm[j] = t;
			}
		}
	}
	for (unsigned int k = 0; k < SPREAD_SEQ; k++) {
		uint64_t r = xorshift64(&s);
		if (!zipf) {
			seq[k] = (uint32_t)(r % n);
		} else {
			double u = (double)(r >> 11) / 9007199254740992.0;
			unsigned int lo = 0, hi = n - 1;
			while (lo < hi) {
				unsigned int mid = (lo + hi) / 2;
				if (cdf[mid] < u)
					lo = mid + 1;
				else
					hi = mid;
			}
			seq[k] = perm[lo];
		}
	}
	free(cdf);
	free(perm);
}

