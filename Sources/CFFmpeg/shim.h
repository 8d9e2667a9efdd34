#ifndef PLAYHEAD_CFFMPEG_SHIM_H
#define PLAYHEAD_CFFMPEG_SHIM_H
// Only what Swift cannot import from FFmpeg's headers: function-like macros and variadic helpers.
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

static inline int ph_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int ph_averror_eof(void) { return AVERROR_EOF; }
static inline int ph_averror_enomem(void) { return AVERROR(ENOMEM); }
static inline int ph_averror_exit(void) { return AVERROR_EXIT; }
static inline int64_t ph_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int ph_av_time_base(void) { return AV_TIME_BASE; }
static inline const char *ph_av_strerror(int code, char *buf, size_t size) {
    av_strerror(code, buf, size);
    return buf;
}
#endif
