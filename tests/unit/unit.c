/* unit_run(): the one place that decides how Check suites report. TAP goes to stdout for
 * meson's TAP parser; Check's own console output is silenced (CK_VERBOSITY may override). */
#include "unit.h"

#include <stdlib.h>

int unit_run(Suite *s)
{
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_set_tap(sr, "-");
        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
