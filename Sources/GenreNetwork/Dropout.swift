/// Inverted dropout (Srivastava et al., 2014; PyTorch's `nn.Dropout`): in training each value is kept
/// with probability 1 − p and scaled by 1/(1 − p), else zeroed, so inference is the identity. Backward
/// multiplies the gradient by the same mask-and-scale. The mask is drawn from a seeded generator, so a
/// step is repeatable.
public enum Dropout {
    /// - Parameters:
    ///   - values: x on entry, the dropped-out x on return; `count` Floats.
    ///   - mask: `count` Floats, overwritten with 0 or 1/(1 − p) per value (for `backward`).
    ///   - p: drop probability in [0, 1).
    public static func forward(_ values: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>, count: Int,
                               p: Float, generator: inout SeededGenerator) {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1)")
        let scale = 1 / (1 - p)
        for i in 0..<count {
            mask[i] = generator.nextUnitFloat() < p ? 0 : scale
            values[i] *= mask[i]
        }
    }

    /// dL/dx = dL/dy ⊙ mask, in place.
    public static func backward(_ gradient: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { gradient[i] *= mask[i] }
    }
}
