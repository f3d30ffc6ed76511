/// Rectified linear unit, applied element-wise and in place.
///
/// Forward: a = max(0, z). Backward: dL/dz = dL/da ⊙ 1[a > 0] — the Jacobian is diagonal, so it is applied
/// as a mask, never built as a matrix (Prince, *Understanding Deep Learning*, §7.4). The mask is read from
/// the forward **output** (a > 0 exactly when z > 0), so no extra buffer is kept. At z = 0 the gradient is
/// taken as 0, as PyTorch does.
public enum ReLU {
    /// - Parameter values: z on entry, a = max(0, z) on return; any shape, `count` Floats.
    public static func forward(_ values: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { values[i] = max(values[i], 0) }
    }

    /// - Parameters:
    ///   - gradient: dL/da on entry, dL/dz on return; same shape as `output`.
    ///   - output: a, as written by `forward`.
    public static func backward(_ gradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>,
                                count: Int) {
        for i in 0..<count { gradient[i] = output[i] > 0 ? gradient[i] : 0 }
    }
}
