#ifndef PLAYHEAD_COPENVINO_SHIM_H
#define PLAYHEAD_COPENVINO_SHIM_H
// OpenVINO's C API; the variadic property setters are not importable, so callers use the `_props` forms.
#include <openvino/c/openvino.h>
#endif
