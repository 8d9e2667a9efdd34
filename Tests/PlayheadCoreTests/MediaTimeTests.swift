import PlayheadCore
import Testing

@Suite struct MediaTimeTests {
    @Test func rationalsReduceAndCompare() {
        #expect(Rational(60, 2) == Rational(30, 1))
        #expect(Rational(30000, 1001) < Rational(30, 1))
        #expect(Rational(1, -2) == Rational(-1, 2))
        #expect(Rational(5, 0).isZero)
    }

    @Test func frameTimesAreExactAtAnyRate() {
        let ntsc = Rational(30000, 1001)
        #expect(MediaTime(frame: 300_000, frameRate: ntsc) == MediaTime(value: 300_000 * 1001, timescale: 30000))
        #expect(MediaTime(frame: 15, frameRate: Rational(30, 1)) == MediaTime(value: 512 * 15, timescale: 15360))
    }

    @Test func arithmeticAndConversion() {
        let a = MediaTime(value: 1, timescale: 3), b = MediaTime(value: 1, timescale: 6)
        #expect(a + b == MediaTime(value: 1, timescale: 2))
        #expect(a - b == b)
        #expect(MediaTime(value: 7, timescale: 10).converted(to: 3) == MediaTime(value: 2, timescale: 3))
        #expect(MediaTime(value: -1, timescale: 10).converted(to: 3).value == -1)
    }

    @Test func boxIoU() {
        let a = BoundingBox(x: 0, y: 0, width: 10, height: 10)
        #expect(a.iou(a) == 1)
        #expect(a.iou(BoundingBox(x: 5, y: 0, width: 10, height: 10)) == 50.0 / 150.0)
        #expect(a.iou(BoundingBox(x: 20, y: 20, width: 5, height: 5)) == 0)
    }
}
