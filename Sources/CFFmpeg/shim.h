#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

// Function-like macros Swift cannot import.
static inline int genre_averror_eof(void) { return AVERROR_EOF; }
static inline int genre_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int genre_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
