// The target's functions are all `static inline` in include/CNetcRuntime.h;
// SwiftPM needs one source file to build a C target.
#include "CNetcRuntime.h"
