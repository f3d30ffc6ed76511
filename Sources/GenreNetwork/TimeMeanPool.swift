/// Global average pooling over time: the mean over frames (W) of each (channel, band) row, so the
/// Linear layer sees `[N, C·H]` features that do not depend on where in the window a sound falls.
///
/// y[n, c, h] = (1/W) Σ_w x[n, c, h, w]; backward spreads dL/dy evenly: dL/dx[n, c, h, w] = dL/dy[n, c, h] / W
/// (the same pooling as PyTorch's `x.mean(dim=3)`).
public enum TimeMeanPool {
    /// - Parameters: input `[rows, W]` row-major (rows = N·C·H); output `[rows]`, overwritten.
    public static func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        let scale = 1 / Float(width)
        for r in 0..<rows {
            let x = input + r * width
            var sum: Float = 0
            for w in 0..<width { sum += x[w] }
            output[r] = sum * scale
        }
    }

    /// - Parameters: outputGradient `[rows]`; inputGradient `[rows, W]`, overwritten.
    public static func backward(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                rows: Int, width: Int) {
        let scale = 1 / Float(width)
        for r in 0..<rows { (inputGradient + r * width).update(repeating: outputGradient[r] * scale, count: width) }
    }
}
