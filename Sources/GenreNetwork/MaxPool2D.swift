/// 2×2 max pooling with stride 2; odd sizes are floored (the last row/column is dropped), as PyTorch's
/// `MaxPool2d(2)`.
///
/// Forward saves, per output cell, the index (within its input plane) of the maximum; backward routes each
/// output gradient to exactly that input cell (darknet's maxpool layer). Ties go to the first maximum in
/// row-major scan order.
public enum MaxPool2D {
    /// Output height/width for an input height/width.
    public static func outputSize(_ inputSize: Int) -> Int { inputSize / 2 }

    /// - Parameters:
    ///   - input: `[N·C, H, W]` (any leading batch and channel dimensions, flattened).
    ///   - output: `[N·C, H/2, W/2]`, overwritten.
    ///   - argmax: `[N·C, H/2, W/2]`, overwritten with the in-plane index `y·W + x` of each maximum.
    public static func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                               argmax: UnsafeMutablePointer<Int32>, planes: Int, height h: Int, width w: Int) {
        let oh = h / 2, ow = w / 2
        // Eight windows at a time, branch-free: even/odd lanes of two rows give the four window cells.
        let vectorColumns = ow / 8 * 8
        let lane = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
        for p in 0..<planes {
            let x = input + p * h * w
            let y = output + p * oh * ow, a = argmax + p * oh * ow
            for i in 0..<oh {
                let r0 = x + 2 * i * w, r1 = r0 + w
                let rowStart = Int32(2 * i * w)
                var j = 0
                while j < vectorColumns {
                    let top = UnsafeRawPointer(r0 + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
                    let bottom = UnsafeRawPointer(r1 + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
                    let c = lane &+ Int32(2 * j) &+ rowStart
                    let (m0, i0) = pick(top.evenHalf, c, top.oddHalf, c &+ 1)
                    let (m1, i1) = pick(bottom.evenHalf, c &+ Int32(w), bottom.oddHalf, c &+ Int32(w + 1))
                    let (m, at) = pick(m0, i0, m1, i1)
                    UnsafeMutableRawPointer(y + i * ow + j).storeBytes(of: m, as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(a + i * ow + j).storeBytes(of: at, as: SIMD8<Int32>.self)
                    j += 8
                }
                while j < ow {
                    let c = 2 * j
                    var best = r0[c], at = 2 * i * w + c
                    if r0[c + 1] > best { best = r0[c + 1]; at = 2 * i * w + c + 1 }
                    if r1[c] > best { best = r1[c]; at = (2 * i + 1) * w + c }
                    if r1[c + 1] > best { best = r1[c + 1]; at = (2 * i + 1) * w + c + 1 }
                    y[i * ow + j] = best
                    a[i * ow + j] = Int32(at)
                    j += 1
                }
            }
        }
    }

    /// Lane-wise maximum of two candidates and the index of the winner; ties keep the first candidate.
    @inline(__always)
    private static func pick(_ a: SIMD8<Float>, _ ia: SIMD8<Int32>, _ b: SIMD8<Float>, _ ib: SIMD8<Int32>)
        -> (SIMD8<Float>, SIMD8<Int32>) {
        let later = b .> a
        return (a.replacing(with: b, where: later), ia.replacing(with: ib, where: later))
    }

    /// - Parameters:
    ///   - outputGradient: dL/dy `[N·C, H/2, W/2]`.
    ///   - argmax: as written by `forward`.
    ///   - inputGradient: dL/dx `[N·C, H, W]`, overwritten (zero except at each window's maximum).
    ///   - reluOutput: when pooling is followed by a ReLU, that ReLU's output `[N·C, H/2, W/2]`: each
    ///     gradient is routed only where it is > 0, which applies the ReLU's backward mask in the same
    ///     pass (the same values as `ReLU.backward` first, without a separate sweep over dL/dy).
    public static func backward(outputGradient: UnsafePointer<Float>, argmax: UnsafePointer<Int32>,
                                inputGradient: UnsafeMutablePointer<Float>,
                                planes: Int, height h: Int, width w: Int,
                                reluOutput: UnsafePointer<Float>? = nil) {
        let oh = h / 2, ow = w / 2
        inputGradient.update(repeating: 0, count: planes * h * w)
        for p in 0..<planes {
            let dy = outputGradient + p * oh * ow, a = argmax + p * oh * ow
            let dx = inputGradient + p * h * w
            if let reluOutput {
                let mask = reluOutput + p * oh * ow
                for i in 0..<(oh * ow) where mask[i] > 0 { dx[Int(a[i])] = dy[i] }
            } else {
                for i in 0..<(oh * ow) { dx[Int(a[i])] = dy[i] }
            }
        }
    }
}
