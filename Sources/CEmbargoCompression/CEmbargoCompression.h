// zlib (raw deflate) and liblzma (LZMA1 "alone" streams), for the data blocks of NSIS installers,
// which libarchive does not read: they carry no container header of their own; zlib, zstd and LZO1X
// for the compressed extents of btrfs file systems.
#include <zlib.h>
#include <lzma.h>
#include <zstd.h>
#include <lzo/lzo1x.h>
