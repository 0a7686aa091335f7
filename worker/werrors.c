/* Captures of invalid messages (werrors.h). */
#include "werrors.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "model.h"
#include "session-t.h"
#include "wctx.h"

struct werr {
        uint64_t wall_us;
        uint64_t event;                  /* the worker's event number */
        const struct cfg_proxy *fe, *be; /* borrowed from the generation; be may be NULL */
        int srv;                         /* index in @be, or -1 */
        char src[80];
        size_t len, pos;
        char buf[]; /* @len bytes */
};

void werr_capture(struct worker *w, const struct cfg_proxy *px, bool response,
                  const struct sess *ss, const struct cfg_proxy *fe, const struct cfg_proxy *be,
                  int srv, const char *buf, size_t len, size_t pos)
{
        struct px_rt *rt = worker_rt(w, px);
        size_t keep = len < WERR_BYTES_MAX ? len : WERR_BYTES_MAX;
        struct werr *e = malloc(sizeof(*e) + keep);

        w->err_events++;
        rt->err_count[response]++;
        if (!e)
                return;
        *e = (struct werr){.wall_us = sl_clock_wall_us(),
                           .event = w->err_events,
                           .fe = fe,
                           .be = be,
                           .srv = srv,
                           .len = keep,
                           .pos = pos};
        if (ss)
                sl_addr_text(&ss->src, false, e->src, sizeof(e->src));
        else
                snprintf(e->src, sizeof(e->src), "?");
        memcpy(e->buf, buf, keep);
        free(rt->err[response]);
        rt->err[response] = e;
}

/* HAProxy's dump of a message: a line per line of it (and every 64 bytes), its offset
 * first, the bytes escaped */
static void dump(FILE *out, const char *buf, size_t len)
{
        size_t i = 0;

        while (i < len) {
                size_t start = i, col = 0;

                fprintf(out, "  %05zu  ", start);
                while (i < len && col < 64) {
                        unsigned char c = (unsigned char)buf[i++];

                        if (c == '\t')
                                col += (size_t)fprintf(out, "\\t");
                        else if (c == '\r')
                                col += (size_t)fprintf(out, "\\r");
                        else if (c == '\n')
                                col += (size_t)fprintf(out, "\\n");
                        else if (c == '\\')
                                col += (size_t)fprintf(out, "\\\\");
                        else if (c < 0x20 || c >= 0x7f)
                                col += (size_t)fprintf(out, "\\x%02x", c);
                        else {
                                fputc(c, out);
                                col++;
                        }
                        if (c == '\n')
                                break;
                }
                fputc('\n', out);
        }
}

static void date_text(uint64_t wall_us, char *out, size_t size)
{
        static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        time_t t = (time_t)(wall_us / 1000000);
        struct tm tm;

        localtime_r(&t, &tm);
        snprintf(out, size, "%02d/%s/%04d:%02d:%02d:%02d.%03u", tm.tm_mday, mon[tm.tm_mon],
                 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (unsigned)(wall_us / 1000 % 1000));
}

void werr_show(struct worker *w, FILE *out)
{
        fprintf(out, "@total %" PRIu64 "\n", w->err_events);
        for (size_t i = 0; w->rt && i < w->gen->n_proxies; i++) {
                const struct px_rt *rt = &w->rt[i];

                for (int dir = 0; dir < 2; dir++) {
                        const struct werr *e = rt->err[dir];
                        const struct cfg_proxy *other = dir ? e ? e->fe : NULL : e ? e->be : NULL;
                        char date[64];

                        if (!e)
                                continue;
                        date_text(e->wall_us, date, sizeof(date));
                        fprintf(out, "@ %" PRIu64 " %s %s %" PRIu64 "\n", e->wall_us, rt->px->name,
                                dir ? "response" : "request", rt->err_count[dir]);
                        fprintf(out, "[%s] %s %s (#%u): invalid %s\n", date,
                                dir ? "backend" : "frontend", rt->px->name, rt->px->id,
                                dir ? "response" : "request");
                        fprintf(out, "  %s %s (#%d), server %s (#%d), event #%" PRIu64 ", src %s\n",
                                dir ? "frontend" : "backend", other ? other->name : "<NONE>",
                                other ? (int)other->id : -1,
                                e->be && e->srv >= 0 ? e->be->servers[e->srv].name : "<NONE>",
                                e->be && e->srv >= 0 ? (int)e->be->servers[e->srv].id : -1,
                                e->event, e->src);
                        fprintf(out,
                                "  buffer starts at 0 (including 0 out), %zu free,\n"
                                "  len %zu, wraps at %zu, error at position %zu\n\n",
                                w->bufs.size > e->len ? w->bufs.size - e->len : 0, e->len,
                                w->bufs.size, e->pos);
                        dump(out, e->buf, e->len);
                        fputc('\n', out);
                }
        }
}

void werr_free(struct px_rt *rt)
{
        free(rt->err[0]);
        free(rt->err[1]);
        rt->err[0] = rt->err[1] = NULL;
}
