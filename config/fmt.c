/* Names of log-format variables (config/fmt.h), for dumps and log formatting. */
#include "fmt.h"

const char *cfg_log_var_name(enum cfg_log_var v)
{
        static const char *const names[] = {
#define CFG_LOG_VAR_NAME(name) #name,
                CFG_LOG_VARS(CFG_LOG_VAR_NAME)
#undef CFG_LOG_VAR_NAME
        };

        return (unsigned)v < CFG_LV_COUNT ? names[v] : "?";
}
