import Jobs
import PlayheadCore
import Testing

struct JobPlannerTests {
    static let fps25 = Rational(25, 1)

    static func seconds(_ values: [Double]) -> [MediaTime] { values.map { MediaTime(seconds: $0) } }

    /// Chunks cover [0, duration) without gaps or overlaps, in frames and in time.
    static func expectPartition(_ chunks: [Chunk], duration: MediaTime, frameCount: Int) {
        #expect(chunks.first?.start == .zero)
        #expect(chunks.first?.frames.lowerBound == 0)
        #expect(chunks.last?.end == duration)
        #expect(chunks.last?.frames.upperBound == frameCount)
        #expect(chunks.map(\.index) == Array(chunks.indices))
        #expect(chunks.map(\.isLast) == chunks.indices.map { $0 == chunks.count - 1 })
        for (a, b) in zip(chunks, chunks.dropFirst()) {
            #expect(a.end == b.start)
            #expect(a.frames.upperBound == b.frames.lowerBound)
            #expect(!a.frames.isEmpty)
        }
        for chunk in chunks {
            #expect(chunk.analysisStart <= chunk.start)
            #expect(chunk.analysisFirstFrame <= chunk.frames.lowerBound)
        }
    }

    @Test func keyframesEverySecondGiveChunksOfTheTargetLength() throws {
        let planner = try JobPlanner(targetSeconds: 3, overlapSeconds: 1)
        let duration = MediaTime(value: 12, timescale: 1)
        let chunks = planner.plan(duration: duration, frameRate: Self.fps25, keyframes: Self.seconds((0..<12).map(Double.init)))
        Self.expectPartition(chunks, duration: duration, frameCount: 300)
        #expect(chunks.map(\.start.seconds) == [0, 3, 6, 9])
        #expect(chunks.map(\.frames) == [0..<75, 75..<150, 150..<225, 225..<300])
        // One second (25 frames) of overlap, starting half a frame early so the decoder lands on the frame.
        #expect(chunks.map(\.analysisFirstFrame) == [0, 50, 125, 200])
        #expect(chunks[1].analysisStart == MediaTime(value: 99, timescale: 50))
        #expect(chunks[0].analysisStart == .zero)
    }

    @Test func aFileShorterThanOneChunkIsOneChunk() throws {
        let planner = try JobPlanner(targetSeconds: 10)
        let duration = MediaTime(value: 4, timescale: 1)
        let chunks = planner.plan(duration: duration, frameRate: Self.fps25, keyframes: Self.seconds([0, 1, 2, 3]))
        #expect(chunks.count == 1)
        Self.expectPartition(chunks, duration: duration, frameCount: 100)
    }

    @Test func aOneFrameFileIsOneChunk() throws {
        let duration = MediaTime(value: 1, timescale: 25)
        let chunks = try JobPlanner(targetSeconds: 0.01).plan(duration: duration, frameRate: Self.fps25, keyframes: [.zero])
        #expect(chunks.count == 1)
        Self.expectPartition(chunks, duration: duration, frameCount: 1)
    }

    @Test func aKeyframeOnlyAtTheStartMeansOneChunk() throws {
        let duration = MediaTime(value: 60, timescale: 1)
        let chunks = try JobPlanner(targetSeconds: 10).plan(duration: duration, frameRate: Self.fps25, keyframes: [.zero])
        #expect(chunks.count == 1)
        Self.expectPartition(chunks, duration: duration, frameCount: 1500)
    }

    @Test func aTargetShorterThanTheGOPCutsAtEveryKeyframe() throws {
        let duration = MediaTime(value: 10, timescale: 1)
        let chunks = try JobPlanner(targetSeconds: 0.5).plan(duration: duration, frameRate: Self.fps25, keyframes: Self.seconds([0, 2, 4, 6, 8]))
        #expect(chunks.map(\.start.seconds) == [0, 2, 4, 6, 8])
        Self.expectPartition(chunks, duration: duration, frameCount: 250)
    }

    @Test func theNearestKeyframeToTheTargetIsTheBoundary() throws {
        let duration = MediaTime(value: 20, timescale: 1)
        let chunks = try JobPlanner(targetSeconds: 5).plan(duration: duration, frameRate: Self.fps25, keyframes: Self.seconds([0, 4, 7, 9.5, 16]))
        // 5 → 4 (nearer than 7); 9 → 9.5; 14.5 → 16.
        #expect(chunks.map(\.start.seconds) == [0, 4, 9.5, 16])
        Self.expectPartition(chunks, duration: duration, frameCount: 500)
    }

    @Test func aShortRemainderJoinsTheChunkBeforeIt() throws {
        let duration = MediaTime(value: 21, timescale: 2)
        let chunks = try JobPlanner(targetSeconds: 5).plan(duration: duration, frameRate: Self.fps25,
                                                          keyframes: Self.seconds(stride(from: 0, to: 10.5, by: 0.5).map { $0 }))
        #expect(chunks.map(\.start.seconds) == [0, 5])
        Self.expectPartition(chunks, duration: duration, frameCount: 263)
    }

    @Test func withoutKeyframesAnyFrameCanStartAChunk() throws {
        let duration = MediaTime(value: 10, timescale: 1)
        let chunks = try JobPlanner(targetSeconds: 3, overlapSeconds: 0).plan(duration: duration, frameRate: Self.fps25, keyframes: [])
        #expect(chunks.map(\.frames) == [0..<75, 75..<150, 150..<250])
        // Half a frame before frame 75, so timestamps a little off the grid still fall on the right side.
        #expect(chunks[1].start == MediaTime(value: 149, timescale: 50))
        #expect(chunks[1].analysisFirstFrame == 75)
        Self.expectPartition(chunks, duration: duration, frameCount: 250)
    }

    @Test func ntscKeyframesKeepTheirExactTimes() throws {
        let rate = Rational(30000, 1001)
        let keyframes = (0..<20).map { MediaTime(frame: Int64($0 * 30), frameRate: rate) }
        let duration = MediaTime(frame: 600, frameRate: rate)
        let chunks = try JobPlanner(targetSeconds: 4).plan(duration: duration, frameRate: rate, keyframes: keyframes)
        #expect(chunks.map(\.frames.lowerBound) == [0, 120, 240, 360, 480])
        #expect(chunks.dropFirst().allSatisfy { keyframes.contains($0.start) })
        Self.expectPartition(chunks, duration: duration, frameCount: 600)
    }

    @Test func anUnknownDurationIsOneChunkDecodedToTheEnd() throws {
        let chunks = try JobPlanner(targetSeconds: 5).plan(duration: .zero, frameRate: Self.fps25, keyframes: Self.seconds([0, 5, 10]))
        #expect(chunks.count == 1)
        #expect(chunks[0].isLast)
    }

    @Test func nonsenseLengthsAreRejected() {
        #expect(throws: PlayheadError.self) { try JobPlanner(targetSeconds: 0) }
        #expect(throws: PlayheadError.self) { try JobPlanner(targetSeconds: .infinity) }
        #expect(throws: PlayheadError.self) { try JobPlanner(targetSeconds: 5, overlapSeconds: -1) }
    }
}
