/// One learnable tensor with its gradient, as the optimiser sees it.
///
/// `value` and `gradient` have the same row-major layout, given by `shape` (e.g. a convolution weight is
/// `[Cout, Cin, 3, 3]`). Backward passes **accumulate** into `gradient`; `zeroGradient()` is a separate step.
public struct Parameter: Sendable, Equatable {
    /// Tensor name as stored in the model file, e.g. `conv1.weight`.
    public let name: String
    public let shape: [Int]
    public var value: [Float]
    public var gradient: [Float]

    public init(name: String, shape: [Int], value: [Float]) {
        precondition(shape.reduce(1, *) == value.count, "\(name): \(value.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        self.value = value
        self.gradient = [Float](repeating: 0, count: value.count)
    }

    public var count: Int { value.count }

    public mutating func zeroGradient() {
        gradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}
