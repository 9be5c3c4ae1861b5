/*
 * regfile: the file: registry, a snapshot of a schema registry on disk
 * whose files hold exactly the bodies of the REST endpoints their paths
 * mirror: DIR/schemas/ids/7.json, DIR/subjects/S/versions/1.json, a subject
 * with '/', '%' and a leading '.' percent-encoded (docs/DESIGN.md §6; the
 * layout is in man avrodecode, FILE REGISTRY). Registry layer
 * (docs/DESIGN.md §3), internal to registry.c.
 *
 * Each question is answered as the REST API would answer it: REGISTRY_OK with
 * an HTTP status in *status and its body in *body (valid until the next
 * question), for reganswer_parse to judge; REGISTRY_FAIL with err when the
 * directory cannot be read or written.
 */
#ifndef REGFILE_H
#define REGFILE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* url: "file:DIR" or "file://DIR"; dies with status 2 if DIR is not a directory. */
struct regfile *regfile_open(const char *url);
void regfile_close(struct regfile *f);
/* "file:DIR", for messages. */
const char *regfile_where(const struct regfile *f);

/* GET /schemas/ids/{id} */
int regfile_by_id(struct regfile *f, uint32_t id, long *status, const struct buf **body,
    char *err, size_t errlen);
/* GET /subjects/{subject}/versions/{version}, -1 for latest */
int regfile_version(struct regfile *f, const char *subject, int version, long *status,
    const struct buf **body, char *err, size_t errlen);
/* POST /subjects/{subject}: the stored version of the same schema (keys in any order) */
int regfile_lookup(struct regfile *f, const char *subject, const char *schema, long *status,
    const struct buf **body, char *err, size_t errlen);
/*
 * POST /subjects/{subject}/versions: the subject's version if it has the
 * schema, else a new version with the id of an equal schema or a new id.
 */
int regfile_register(struct regfile *f, const char *subject, const char *schema,
    long *status, const struct buf **body, char *err, size_t errlen);

#endif
