import CFFmpeg
import PlayheadCore

/// Owns a `SwrContext` converting any decoded audio to mono Float32 at one sample rate.
final class Resampler {
    private var context: OpaquePointer?
    let outputRate: Int32

    init(input codec: UnsafeMutablePointer<AVCodecContext>, outputRate: Int32) throws {
        self.outputRate = outputRate
        var mono = AVChannelLayout()
        av_channel_layout_default(&mono, 1)
        defer { av_channel_layout_uninit(&mono) }
        var inputLayout = codec.pointee.ch_layout
        if inputLayout.order == AV_CHANNEL_ORDER_UNSPEC {
            // Some containers state only a channel count; assume the default layout for it.
            av_channel_layout_default(&inputLayout, max(inputLayout.nb_channels, 1))
        }
        try check(swr_alloc_set_opts2(&context, &mono, AV_SAMPLE_FMT_FLT, outputRate,
                                      &inputLayout, codec.pointee.sample_fmt, codec.pointee.sample_rate, 0, nil),
                  "configuring the audio resampler")
        try check(swr_init(context), "starting the audio resampler")
    }

    /// Converts one decoded frame (or flushes the delay line with nil) and appends to `samples`.
    func convert(_ frame: Frame?, appendingTo samples: inout [Float]) throws {
        let inputCount = frame.map { Int32($0.pointer.pointee.nb_samples) } ?? 0
        let capacity = Int(swr_get_out_samples(context, inputCount))
        guard capacity > 0 else { return }
        let start = samples.count
        samples.append(contentsOf: repeatElement(0, count: capacity))
        let written = try samples.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var output: UnsafeMutablePointer<UInt8>? = UnsafeMutableRawPointer(buffer.baseAddress! + start).assumingMemoryBound(to: UInt8.self)
            let converted: Int32
            if let frame {
                converted = withUnsafePointer(to: frame.pointer.pointee.data) { data in
                    data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { planes in
                        swr_convert(context, &output, Int32(capacity), UnsafeMutablePointer(mutating: planes), inputCount)
                    }
                }
            } else {
                converted = swr_convert(context, &output, Int32(capacity), nil, 0)
            }
            return try check(converted, "resampling audio")
        }
        samples.removeLast(capacity - Int(written))
    }

    deinit { swr_free(&context) }
}

@available(*, unavailable)
extension Resampler: Sendable {}
