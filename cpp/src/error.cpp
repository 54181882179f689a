// dirctl::Error is header-only; this unit anchors the hierarchy's vtables.
#include "dirctl/error.h"
