/* A statistics field and its three forms (mfield.h): text, HAProxy's typed tags, JSON. */
#include "mfield.h"

void mfield_u64(struct mstat_field *f, unsigned i, const char *tags, uint64_t v)
{
        f[i] = (struct mstat_field){.type = MSTAT_T_U64, tags[0], tags[1], tags[2], .u.u64 = v};
}

void mfield_u32(struct mstat_field *f, unsigned i, const char *tags, uint64_t v)
{
        f[i] = (struct mstat_field){.type = MSTAT_T_U32,
                                    tags[0],
                                    tags[1],
                                    tags[2],
                                    .u.u32 = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v};
}

void mfield_s32(struct mstat_field *f, unsigned i, const char *tags, int32_t v)
{
        f[i] = (struct mstat_field){.type = MSTAT_T_S32, tags[0], tags[1], tags[2], .u.s32 = v};
}

void mfield_str(struct mstat_field *f, unsigned i, const char *tags, const char *s)
{
        f[i] = (struct mstat_field){.type = MSTAT_T_STR, tags[0], tags[1], tags[2], .str = s};
}

void mfield_text(FILE *out, const struct mstat_field *f)
{
        switch (f->type) {
        case MSTAT_T_S32:
                fprintf(out, "%d", f->u.s32);
                break;
        case MSTAT_T_U32:
                fprintf(out, "%u", f->u.u32);
                break;
        case MSTAT_T_U64:
                fprintf(out, "%llu", (unsigned long long)f->u.u64);
                break;
        case MSTAT_T_STR:
                fputs(f->str, out);
                break;
        case MSTAT_T_EMPTY:
                break;
        }
}

const char *const mfield_type_names[] = {"", "s32", "u32", "u64", "str"};

static const char *origin_name(char c)
{
        switch (c) {
        case 'M':
                return "Metric";
        case 'S':
                return "Status";
        case 'K':
                return "Key";
        case 'C':
                return "Config";
        default:
                return "Product";
        }
}

static const char *nature_name(char c)
{
        switch (c) {
        case 'A':
                return "Age";
        case 'a':
                return "Avg";
        case 'C':
                return "Counter";
        case 'D':
                return "Duration";
        case 'G':
                return "Gauge";
        case 'L':
                return "Limit";
        case 'M':
                return "Max";
        case 'N':
                return "Name";
        case 'R':
                return "Rate";
        case 'T':
                return "Time";
        default:
                return "Output";
        }
}

static const char *scope_name(char c)
{
        switch (c) {
        case 'P':
                return "Process";
        case 'S':
                return "Service";
        case 's':
                return "System";
        default:
                return "Cluster";
        }
}

json_t *mfield_json_value(const struct mstat_field *f)
{
        json_t *v;

        switch (f->type) {
        case MSTAT_T_S32:
                v = json_integer(f->u.s32);
                break;
        case MSTAT_T_U32:
                v = json_integer(f->u.u32);
                break;
        case MSTAT_T_U64:
                v = json_integer((json_int_t)f->u.u64);
                break;
        default:
                v = json_string(f->str ? f->str : "");
                break;
        }
        return json_pack("{s:s, s:o}", "type", mfield_type_names[f->type], "value", v);
}

json_t *mfield_json_tags(const struct mstat_field *f)
{
        return json_pack("{s:s, s:s, s:s}", "origin", origin_name(f->origin), "nature",
                         nature_name(f->nature), "scope", scope_name(f->scope));
}

/* One object's line: CSV, typed lines or a JSON array. */
