import Testing
@testable import Inference

@Suite struct TensorTests {
    @Test func newTensorsAreZeroFilledWithTheirShape() throws {
        let tensor = try Tensor(elementType: .i64, shape: [2, 3])
        #expect(tensor.count == 6 && tensor.byteCount == 48)
        tensor.withUnsafeBufferPointer(as: Int64.self) { #expect($0.allSatisfy { $0 == 0 }) }
        tensor.withUnsafeMutableBufferPointer(as: Int64.self) { $0[5] = 42 }
        tensor.withUnsafeBufferPointer(as: Int64.self) { #expect($0[5] == 42) }
    }

    @Test func aTensorCanBeFilledByItsCreator() throws {
        let tensor = try Tensor(elementType: .u8, shape: [2, 3]) { bytes in
            for index in bytes.indices { bytes[index] = UInt8(index * 7) }
        }
        tensor.withUnsafeBytes { #expect(Array($0) == [0, 7, 14, 21, 28, 35]) }
        #expect(throws: InferenceError.self) { try Tensor(elementType: .u8, shape: [-2]) { _ in Issue.record("called for an invalid shape") } }
    }

    @Test func floatsRoundTripAndTypeIsChecked() throws {
        let tensor = try Tensor(shape: [2, 2], floats: [1, 2, 3, 4])
        #expect(try tensor.floats() == [1, 2, 3, 4])
        let bytes = try Tensor(elementType: .u8, shape: [4])
        let error = #expect(throws: InferenceError.self) { try bytes.floats() }
        #expect(error?.code == .invalidArgument)
    }

    @Test func invalidShapesAndCountsAreInvalidArgument() {
        #expect(throws: InferenceError.self) { try Tensor(shape: [2, 2], floats: [1, 2, 3]) }
        #expect(throws: InferenceError.self) { try Tensor(elementType: .f32, shape: [-1, 3]) }
        #expect(throws: InferenceError.self) { try Tensor(elementType: .f32, shape: [Int.max, 2]) }
    }

    @Test func elementTypeSizes() {
        #expect(ElementType.f32.byteSize == 4 && ElementType.bf16.byteSize == 2 && ElementType.u8.byteSize == 1 && ElementType.i64.byteSize == 8)
        #expect(ElementType.allCases.allSatisfy { ElementType(openVINO: $0.openVINO) == $0 })
    }
}
