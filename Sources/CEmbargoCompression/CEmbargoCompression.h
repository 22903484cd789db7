// zlib (raw deflate) and liblzma (LZMA1 "alone" streams), for the data blocks of NSIS installers,
// which libarchive does not read: they carry no container header of their own.
#include <zlib.h>
#include <lzma.h>
