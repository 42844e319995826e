#ifndef LIAISON_CZLIB_SHIM_H
#define LIAISON_CZLIB_SHIM_H
#include <zlib.h>

/// `inflateInit2` is a macro; Swift sees this function instead. Raw deflate (no zlib header), as ZIP stores it.
static inline int czlib_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -MAX_WBITS);
}
#endif
