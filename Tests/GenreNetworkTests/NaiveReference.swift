// A deliberately naive, independent float64 implementation of every layer, written from the defining
// sums (no im2col, no BLAS). Finite differences are taken on it in Double; the production Float layers
// are compared with it, so a bug would have to be made twice, in two different forms, to go unseen.

struct NaiveTensor {
    var shape: [Int]
    var values: [Double]
    init(shape: [Int], values: [Double]) {
        precondition(shape.reduce(1, *) == values.count)
        self.shape = shape; self.values = values
    }
}

enum Naive {
    /// x [N, Cin, H, W], w [Cout, Cin, 3, 3], b [Cout] → [N, Cout, H, W]; zero padding 1.
    static func conv(_ x: NaiveTensor, _ w: [Double], _ b: [Double], cout: Int) -> NaiveTensor {
        let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var y = [Double](repeating: 0, count: n * cout * h * wd)
        for s in 0..<n { for o in 0..<cout { for i in 0..<h { for j in 0..<wd {
            var acc = b[o]
            for c in 0..<cin { for ky in 0..<3 { for kx in 0..<3 {
                let yi = i + ky - 1, xj = j + kx - 1
                if yi < 0 || yi >= h || xj < 0 || xj >= wd { continue }
                acc += w[((o * cin + c) * 3 + ky) * 3 + kx] * x.values[((s * cin + c) * h + yi) * wd + xj]
            } } }
            y[((s * cout + o) * h + i) * wd + j] = acc
        } } } }
        return NaiveTensor(shape: [n, cout, h, wd], values: y)
    }

    static func relu(_ x: NaiveTensor) -> NaiveTensor {
        NaiveTensor(shape: x.shape, values: x.values.map { max(0, $0) })
    }

    /// 2×2, stride 2, floor.
    static func maxPool(_ x: NaiveTensor) -> NaiveTensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = h / 2, ow = w / 2
        var y = [Double](repeating: 0, count: n * c * oh * ow)
        for p in 0..<(n * c) { for i in 0..<oh { for j in 0..<ow {
            var m = -Double.infinity
            for a in 0..<2 { for b in 0..<2 { m = max(m, x.values[(p * h + 2 * i + a) * w + 2 * j + b]) } }
            y[(p * oh + i) * ow + j] = m
        } } }
        return NaiveTensor(shape: [n, c, oh, ow], values: y)
    }

    /// x [N, D], w [K, D], b [K] → [N, K].
    static func linear(_ x: [Double], n: Int, d: Int, _ w: [Double], _ b: [Double], k: Int) -> [Double] {
        var y = [Double](repeating: 0, count: n * k)
        for s in 0..<n { for o in 0..<k {
            var acc = b[o]
            for i in 0..<d { acc += w[o * d + i] * x[s * d + i] }
            y[s * k + o] = acc
        } }
        return y
    }

    /// Mean cross-entropy of softmax(logits [N, K]) against labels.
    static func crossEntropy(_ logits: [Double], labels: [Int], k: Int) -> Double {
        let n = labels.count
        var total = 0.0
        for s in 0..<n {
            let row = Array(logits[(s * k)..<((s + 1) * k)])
            let m = row.max()!
            let lse = m + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) })
            total += lse - row[labels[s]]
        }
        return total / Double(n)
    }

    /// Batch normalisation with batch statistics (biased variance, ε = 1e-5), written out directly:
    /// y = γ_c (x − mean_c) / √(var_c + ε) + β_c over N·H·W per channel.
    /// With `running` (mean, variance per channel) it normalises with those instead of the batch's (a frozen layer).
    static func batchNorm(_ x: NaiveTensor, gamma: [Double], beta: [Double],
                          running: (mean: [Double], variance: [Double])? = nil) -> NaiveTensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var y = x
        for ch in 0..<c {
            var cells: [Int] = []
            for s in 0..<n { for i in 0..<(h * w) { cells.append((s * c + ch) * h * w + i) } }
            var mean = cells.reduce(0) { $0 + x.values[$1] } / Double(cells.count)
            var variance = cells.reduce(0) { $0 + (x.values[$1] - mean) * (x.values[$1] - mean) } / Double(cells.count)
            if let running { (mean, variance) = (running.mean[ch], running.variance[ch]) }
            for i in cells { y.values[i] = gamma[ch] * (x.values[i] - mean) / (variance + 1e-5).squareRoot() + beta[ch] }
        }
        return y
    }

    /// The whole network: blocks conv → [BatchNorm] → ReLU → pool, flatten (C, H, W) or average over W,
    /// linear, mean cross-entropy. `params` in ConvNet.parameters order; `running[i]`, when given and not nil, is
    /// block i's BatchNorm running statistics, used instead of the batch's.
    static func networkLoss(input: NaiveTensor, params: [[Double]], channels: [Int], classes: Int,
                            labels: [Int], batchNorm: Bool = false, timePooling: Bool = false,
                            featureMask: [Double]? = nil,
                            running: [(mean: [Double], variance: [Double])?] = []) -> (loss: Double, logits: [Double]) {
        var x = input
        let perBlock = batchNorm ? 4 : 2
        for (i, c) in channels.enumerated() {
            var z = conv(x, params[perBlock * i], params[perBlock * i + 1], cout: c)
            if batchNorm {
                z = Naive.batchNorm(z, gamma: params[perBlock * i + 2], beta: params[perBlock * i + 3],
                                    running: i < running.count ? running[i] : nil)
            }
            x = maxPool(relu(z))
        }
        if timePooling {
            let w = x.shape[3], rows = x.values.count / w
            x = NaiveTensor(shape: [x.shape[0], x.shape[1], x.shape[2], 1],
                            values: (0..<rows).map { r in x.values[(r * w)..<(r * w + w)].reduce(0, +) / Double(w) })
        }
        if let featureMask { x.values = zip(x.values, featureMask).map { $0 * $1 } }  // dropout's mask-and-scale
        let n = x.shape[0], d = x.values.count / n
        let fcIndex = perBlock * channels.count
        let logits = linear(x.values, n: n, d: d, params[fcIndex], params[fcIndex + 1], k: classes)
        return (crossEntropy(logits, labels: labels, k: classes), logits)
    }
}

import Foundation

/// Central difference (f(θ+h) − f(θ−h)) / 2h of a Double function, for every element of `values`.
func centralDifferences(_ values: [Double], h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
    var v = values
    return (0..<values.count).map { i in
        let keep = v[i]
        v[i] = keep + h; let plus = f(v)
        v[i] = keep - h; let minus = f(v)
        v[i] = keep
        return (plus - minus) / (2 * h)
    }
}

/// Largest |a − b| divided by the largest |b| (the "relative to the tensor's largest magnitude" measure
/// used by shared/reference/torch/README.md).
func maxRelativeError<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(_ a: [A], _ b: [B]) -> Double {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) elements")
    var diff = 0.0, scale = 0.0
    for i in a.indices {
        diff = max(diff, abs(Double(a[i]) - Double(b[i])))
        scale = max(scale, abs(Double(b[i])))
    }
    return scale == 0 ? diff : diff / scale
}

func maxAbsoluteError<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(_ a: [A], _ b: [B]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0.0) { max($0, abs(Double($1.0) - Double($1.1))) }
}

/// Uniform values in [−1, 1) from a seeded generator, as Float (exactly representable in Double too).
func randomValues(_ count: Int, seed: UInt64) -> [Float] {
    var g = SeededGeneratorForTests(seed: seed)
    return (0..<count).map { _ in g.nextFloat() * 2 - 1 }
}

/// Test-local generator so the tests do not depend on the product's generator.
struct SeededGeneratorForTests {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }
}
