/* HTTP semantics shared by every protocol version (see http.h). */
#include "http.h"

#include <string.h>

int http_error_status(int err)
{
        switch (err) {
        case HTTP_E_TOO_LARGE:
                return 431;
        case HTTP_E_URI_TOO_LONG:
                return 414;
        case HTTP_E_VERSION:
                return 505;
        case HTTP_E_CODING:
                return 501;
        case HTTP_E_BODY_TOO_LARGE:
                return 413;
        default:
                return 400;
        }
}

const char *http_status_reason(unsigned status)
{
        switch (status) {
        case 100:
                return "Continue";
        case 101:
                return "Switching Protocols";
        case 103:
                return "Early Hints";
        case 200:
                return "OK";
        case 201:
                return "Created";
        case 202:
                return "Accepted";
        case 203:
                return "Non-Authoritative Information";
        case 204:
                return "No Content";
        case 205:
                return "Reset Content";
        case 206:
                return "Partial Content";
        case 300:
                return "Multiple Choices";
        case 301:
                return "Moved Permanently";
        case 302:
                return "Found";
        case 303:
                return "See Other";
        case 304:
                return "Not Modified";
        case 305:
                return "Use Proxy";
        case 307:
                return "Temporary Redirect";
        case 308:
                return "Permanent Redirect";
        case 400:
                return "Bad Request";
        case 401:
                return "Unauthorized";
        case 402:
                return "Payment Required";
        case 403:
                return "Forbidden";
        case 404:
                return "Not Found";
        case 405:
                return "Method Not Allowed";
        case 406:
                return "Not Acceptable";
        case 407:
                return "Proxy Authentication Required";
        case 408:
                return "Request Timeout";
        case 409:
                return "Conflict";
        case 410:
                return "Gone";
        case 411:
                return "Length Required";
        case 412:
                return "Precondition Failed";
        case 413:
                return "Payload Too Large";
        case 414:
                return "URI Too Long";
        case 415:
                return "Unsupported Media Type";
        case 416:
                return "Range Not Satisfiable";
        case 417:
                return "Expectation Failed";
        case 421:
                return "Misdirected Request";
        case 422:
                return "Unprocessable Content";
        case 425:
                return "Too Early";
        case 426:
                return "Upgrade Required";
        case 428:
                return "Precondition Required";
        case 429:
                return "Too Many Requests";
        case 431:
                return "Request Header Fields Too Large";
        case 451:
                return "Unavailable For Legal Reasons";
        case 500:
                return "Internal Server Error";
        case 501:
                return "Not Implemented";
        case 502:
                return "Bad Gateway";
        case 503:
                return "Service Unavailable";
        case 504:
                return "Gateway Timeout";
        case 505:
                return "HTTP Version Not Supported";
        case 511:
                return "Network Authentication Required";
        default:
                break;
        }
        return status < 200   ? "Informational"
               : status < 300 ? "OK"
               : status < 400 ? "Redirect"
               : status < 500 ? "Client Error"
                              : "Server Error";
}

int http_hdr_find(const struct http_msg *m, size_t from, struct sl_str name)
{
        for (size_t i = from; i < m->n_hdrs; i++)
                if (sl_str_ieq(m->hdrs[i].name, name))
                        return (int)i;
        return -1;
}

bool http_hdr_add(struct http_msg *m, struct sl_str name, struct sl_str value)
{
        if (m->n_hdrs >= m->max_hdrs)
                return false;
        m->hdrs[m->n_hdrs].name = name;
        m->hdrs[m->n_hdrs].value = value;
        m->n_hdrs++;
        return true;
}

void http_hdr_del(struct http_msg *m, size_t i)
{
        if (i >= m->n_hdrs)
                return;
        memmove(&m->hdrs[i], &m->hdrs[i + 1], (m->n_hdrs - i - 1) * sizeof(m->hdrs[0]));
        m->n_hdrs--;
}
