/* Names of stick-table key and data types, as HAProxy spells them. */
#include "stkt_types.h"

#include <string.h>

static const char *const dt_names[STKT_DT_COUNT] = {
        [STKT_DT_SERVER_ID] = "server_id",
        [STKT_DT_GPT0] = "gpt0",
        [STKT_DT_GPC0] = "gpc0",
        [STKT_DT_GPC1] = "gpc1",
        [STKT_DT_GPC0_RATE] = "gpc0_rate",
        [STKT_DT_GPC1_RATE] = "gpc1_rate",
        [STKT_DT_CONN_CNT] = "conn_cnt",
        [STKT_DT_CONN_CUR] = "conn_cur",
        [STKT_DT_CONN_RATE] = "conn_rate",
        [STKT_DT_SESS_CNT] = "sess_cnt",
        [STKT_DT_SESS_RATE] = "sess_rate",
        [STKT_DT_HTTP_REQ_CNT] = "http_req_cnt",
        [STKT_DT_HTTP_REQ_RATE] = "http_req_rate",
        [STKT_DT_HTTP_ERR_CNT] = "http_err_cnt",
        [STKT_DT_HTTP_ERR_RATE] = "http_err_rate",
        [STKT_DT_HTTP_FAIL_CNT] = "http_fail_cnt",
        [STKT_DT_HTTP_FAIL_RATE] = "http_fail_rate",
        [STKT_DT_BYTES_IN_CNT] = "bytes_in_cnt",
        [STKT_DT_BYTES_OUT_CNT] = "bytes_out_cnt",
        [STKT_DT_BYTES_IN_RATE] = "bytes_in_rate",
        [STKT_DT_BYTES_OUT_RATE] = "bytes_out_rate",
};

static const char *const key_names[STKT_KEY_COUNT] = {
        [STKT_KEY_IPV4] = "ip",       [STKT_KEY_IPV6] = "ipv6",     [STKT_KEY_INTEGER] = "integer",
        [STKT_KEY_STRING] = "string", [STKT_KEY_BINARY] = "binary",
};

const char *stkt_key_type_name(enum stkt_key_type type)
{
        return (unsigned)type < STKT_KEY_COUNT ? key_names[type] : NULL;
}

const char *stkt_dt_name(enum stkt_data_type type)
{
        return (unsigned)type < STKT_DT_COUNT ? dt_names[type] : NULL;
}

int stkt_key_type_parse(const char *name)
{
        for (int k = 0; k < STKT_KEY_COUNT; k++)
                if (strcmp(name, key_names[k]) == 0)
                        return k;
        return -1;
}

int stkt_dt_parse(const char *name)
{
        for (int dt = 0; dt < STKT_DT_COUNT; dt++)
                if (strcmp(name, dt_names[dt]) == 0)
                        return dt;
        return -1;
}

bool stkt_dt_is_rate(enum stkt_data_type type)
{
        switch (type) {
        case STKT_DT_GPC0_RATE:
        case STKT_DT_GPC1_RATE:
        case STKT_DT_CONN_RATE:
        case STKT_DT_SESS_RATE:
        case STKT_DT_HTTP_REQ_RATE:
        case STKT_DT_HTTP_ERR_RATE:
        case STKT_DT_HTTP_FAIL_RATE:
        case STKT_DT_BYTES_IN_RATE:
        case STKT_DT_BYTES_OUT_RATE:
                return true;
        default:
                return false;
        }
}
