/*
 * regref: Confluent schema references, resolved and expanded into one
 * self-contained schema (docs/DESIGN.md §6, References). Registry layer
 * (docs/DESIGN.md §3), internal to registry.c; regref_expand stands alone
 * (JSON in, JSON out) and is fuzzed and unit-tested so.
 */
#ifndef REGREF_H
#define REGREF_H

#include <stddef.h>

#include "registry.h"

/*
 * A schema with references made self-contained, as Confluent's AvroSchema
 * reads it: the referenced schemas `refs` (dependencies first, as the
 * references resolve depth-first; labels[i], or NULL, names refs[i] in
 * messages) are parsed first into one name space, then `schema`, whose names
 * may be those of any of them. Each referenced named type's definition is put,
 * with its full name spelt out ("namespace": "" for none), in place of the
 * first use of its name in depth-first order; later uses stay names. Returns
 * the new text (malloc'd), or NULL with err: a text not JSON, a type two
 * references define differently, nesting deeper than 1000 JSON levels.
 */
char *regref_expand(const char *schema, const char *const *refs, const char *const *labels,
    size_t nrefs, char *err, size_t errlen);

/*
 * Asks for a referenced subject version (version -1: latest): REGISTRY_OK with its
 * schema text in *schema and its own references in *refs (the text of a JSON
 * array, or NULL for none), both valid until regref_resolve returns;
 * otherwise a REG_* status and err.
 */
typedef int regref_fetch(void *arg, const char *subject, int version,
    const char **schema, const char **refs, char *err, size_t errlen);

/*
 * The schema `what` ("schema id 7"), whose answer gave `refs` (a json_t
 * array, as struct reganswer holds it), made self-contained into *text
 * (malloc'd): the references resolved depth first through fetch, the first
 * reference of a name winning, then regref_expand. REGISTRY_INVALID for a cycle,
 * nesting deeper than REGISTRY_REF_DEPTH, more than REGISTRY_REF_MAX references, a
 * reference not found or unusable, or a failed expansion; REGISTRY_FAIL when a
 * fetch failed so. err names the chain of references.
 */
int regref_resolve(const char *what, const char *schema, void *refs, regref_fetch *fetch,
    void *arg, char **text, char *err, size_t errlen);

#endif
