// ReadStat (Debian's libreadstat-dev) writes SPSS .sav files for survey results.
#include <readstat.h>
