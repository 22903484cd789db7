#ifndef C_EMBARGO_MAGIC_H
#define C_EMBARGO_MAGIC_H

#include <magic.h>

#endif
