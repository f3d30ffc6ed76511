import XCTest
@testable import GenreNetwork

/// Each layer's backward pass against central finite differences of an independent float64 forward, with a
/// scalar test loss L = Σ r ⊙ y (so dL/dy = r) on small odd shapes.
final class LayerGradientTests: XCTestCase {
    // Float analytic gradients against Double differences: Float rounding dominates, ~1e-6 relative.
    let tolerance = 1e-4

    func testConv2DForwardAndGradientsMatchFiniteDifferences() {
        let (n, cin, cout, h, w) = (2, 3, 4, 7, 9)
        var g = SeededGenerator(seed: 3)
        var conv = Conv2D(name: "c", inChannels: cin, outChannels: cout, generator: &g)
        conv.bias.value = randomValues(cout, seed: 11).map { $0 * 0.5 }
        let x = randomValues(n * cin * h * w, seed: 12)
        let r = randomValues(n * cout * h * w, seed: 13)

        for threads in [1, 2] {
            var layer = conv
            var y = [Float](repeating: 0, count: r.count), dx = [Float](repeating: .nan, count: x.count)
            var scratch = [Float](repeating: 0, count: threads * layer.scratchCount(height: h, width: w))
            var gradScratch = [Float](repeating: 0, count: n * (layer.weight.count + cout))
            layer.forward(x, &y, batch: n, height: h, width: w, scratch: &scratch, threads: threads)
            let reference = Naive.conv(NaiveTensor(shape: [n, cin, h, w], values: x.map(Double.init)),
                                       conv.weight.value.map(Double.init), conv.bias.value.map(Double.init),
                                       cout: cout)
            XCTAssertLessThan(maxAbsoluteError(y, reference.values), 1e-5, "forward, \(threads) threads")
            layer.backward(outputGradient: r, input: x, inputGradient: &dx, batch: n, height: h, width: w,
                           scratch: &scratch, gradientScratch: &gradScratch, threads: threads)

            let rD = r.map(Double.init)
            func loss(_ xs: [Double], _ ws: [Double], _ bs: [Double]) -> Double {
                let out = Naive.conv(NaiveTensor(shape: [n, cin, h, w], values: xs), ws, bs, cout: cout)
                return zip(out.values, rD).reduce(0) { $0 + $1.0 * $1.1 }
            }
            let x0 = x.map(Double.init), w0 = conv.weight.value.map(Double.init), b0 = conv.bias.value.map(Double.init)
            let numX = centralDifferences(x0) { loss($0, w0, b0) }
            let numW = centralDifferences(w0) { loss(x0, $0, b0) }
            let numB = centralDifferences(b0) { loss(x0, w0, $0) }
            XCTAssertLessThan(maxRelativeError(dx, numX), tolerance, "dX, \(threads) threads")
            XCTAssertLessThan(maxRelativeError(layer.weight.gradient, numW), tolerance, "dW, \(threads) threads")
            XCTAssertLessThan(maxRelativeError(layer.bias.gradient, numB), tolerance, "db, \(threads) threads")

            // Backward accumulates: a second call doubles dW and db, and overwrites dX.
            layer.backward(outputGradient: r, input: x, inputGradient: &dx, batch: n, height: h, width: w,
                           scratch: &scratch, gradientScratch: &gradScratch, threads: threads)
            XCTAssertLessThan(maxRelativeError(layer.weight.gradient, numW.map { 2 * $0 }), tolerance)
            XCTAssertLessThan(maxRelativeError(layer.bias.gradient, numB.map { 2 * $0 }), tolerance)
            XCTAssertLessThan(maxRelativeError(dx, numX), tolerance)
        }
    }

    func testReLUBackwardIsTheMaskOfFiniteDifferences() {
        let x = randomValues(2 * 3 * 7 * 9, seed: 21), r = randomValues(x.count, seed: 22)
        var a = x
        ReLU.forward(&a, count: a.count)
        XCTAssertEqual(a, x.map { max(0, $0) })
        var grad = r
        ReLU.backward(&grad, output: a, count: a.count)
        let num = centralDifferences(x.map(Double.init)) { xs in
            zip(xs, r).reduce(0) { $0 + max(0, $1.0) * Double($1.1) }
        }
        XCTAssertLessThan(maxRelativeError(grad, num), tolerance)
        // The mask: zero exactly where the input was negative, the incoming gradient unchanged elsewhere.
        for i in x.indices { XCTAssertEqual(grad[i], x[i] > 0 ? r[i] : 0) }
    }

    func testMaxPoolForwardFloorsOddSizesAndBackwardRoutesToArgmax() {
        let (n, c, h, w) = (2, 3, 7, 9)
        let x = randomValues(n * c * h * w, seed: 31), r = randomValues(n * c * 3 * 4, seed: 32)
        var y = [Float](repeating: 0, count: r.count), arg = [Int32](repeating: 0, count: r.count)
        MaxPool2D.forward(x, &y, argmax: &arg, planes: n * c, height: h, width: w)
        let ref = Naive.maxPool(NaiveTensor(shape: [n, c, h, w], values: x.map(Double.init)))
        XCTAssertEqual(ref.shape, [n, c, 3, 4])
        XCTAssertEqual(y.map(Double.init), ref.values)
        var dx = [Float](repeating: .nan, count: x.count)
        MaxPool2D.backward(outputGradient: r, argmax: arg, inputGradient: &dx, planes: n * c, height: h, width: w)
        let num = centralDifferences(x.map(Double.init)) { xs in
            let out = Naive.maxPool(NaiveTensor(shape: [n, c, h, w], values: xs))
            return zip(out.values, r).reduce(0) { $0 + $1.0 * Double($1.1) }
        }
        XCTAssertLessThan(maxRelativeError(dx, num), tolerance)
        // The dropped last row (y = 6) and column (x = 8) receive no gradient.
        for p in 0..<(n * c) {
            for x in 0..<w { XCTAssertEqual(dx[(p * h + 6) * w + x], 0) }
            for y in 0..<h { XCTAssertEqual(dx[(p * h + y) * w + 8], 0) }
        }
    }

    func testMaxPoolTiesGoToTheFirstMaximum() {
        let x: [Float] = [1, 1, 1, 1]
        var y: [Float] = [0], arg: [Int32] = [9]
        MaxPool2D.forward(x, &y, argmax: &arg, planes: 1, height: 2, width: 2)
        XCTAssertEqual(arg, [0])
        var dx = [Float](repeating: 0, count: 4)
        MaxPool2D.backward(outputGradient: [5], argmax: arg, inputGradient: &dx, planes: 1, height: 2, width: 2)
        XCTAssertEqual(dx, [5, 0, 0, 0])
    }

    func testMaxPoolWideRowsMatchTheNaivePoolAndTheFirstTie() {
        // Width 37 → 18 windows per row: two 8-window vector chunks, a scalar tail and a dropped column.
        let (planes, h, w) = (3, 5, 37)
        var x = randomValues(planes * h * w, seed: 33)
        // Quantise so that ties inside windows are common (including ties of the maximum).
        x = x.map { ($0 * 2).rounded() }
        let (oh, ow) = (h / 2, w / 2)
        var y = [Float](repeating: .nan, count: planes * oh * ow), arg = [Int32](repeating: -1, count: y.count)
        MaxPool2D.forward(x, &y, argmax: &arg, planes: planes, height: h, width: w)
        let ref = Naive.maxPool(NaiveTensor(shape: [1, planes, h, w], values: x.map(Double.init)))
        XCTAssertEqual(y.map(Double.init), ref.values)
        var ties = 0
        for p in 0..<planes {
            for i in 0..<oh {
                for j in 0..<ow {
                    let cells = [(2 * i) * w + 2 * j, (2 * i) * w + 2 * j + 1,
                                 (2 * i + 1) * w + 2 * j, (2 * i + 1) * w + 2 * j + 1]
                    let values = cells.map { x[p * h * w + $0] }
                    let first = cells[values.firstIndex(of: values.max()!)!]
                    if values.filter({ $0 == values.max()! }).count > 1 { ties += 1 }
                    XCTAssertEqual(Int(arg[(p * oh + i) * ow + j]), first, "plane \(p), window (\(i), \(j))")
                }
            }
        }
        XCTAssertGreaterThan(ties, 10, "the input should exercise tied maxima")

        // The fused ReLU mask: the same dL/dx as ReLU.backward on the pooled output, then routing.
        var relu = y
        ReLU.forward(&relu, count: relu.count)
        let dy = randomValues(y.count, seed: 34)
        var masked = dy
        ReLU.backward(&masked, output: relu, count: masked.count)
        var separate = [Float](repeating: .nan, count: x.count), fused = separate
        MaxPool2D.backward(outputGradient: masked, argmax: arg, inputGradient: &separate, planes: planes, height: h, width: w)
        MaxPool2D.backward(outputGradient: dy, argmax: arg, inputGradient: &fused, planes: planes, height: h, width: w,
                           reluOutput: relu)
        XCTAssertEqual(fused, separate)
        XCTAssertGreaterThan(relu.filter { $0 == 0 }.count, 10, "some windows should be masked")
        XCTAssertGreaterThan(fused.filter { $0 != 0 }.count, 10, "some gradient should pass")
    }

    func testLinearGradientsMatchFiniteDifferences() {
        let (n, d, k) = (3, 10, 5)
        var g = SeededGenerator(seed: 4)
        var fc = Linear(name: "fc", inFeatures: d, outFeatures: k, generator: &g)
        fc.bias.value = randomValues(k, seed: 41)
        let x = randomValues(n * d, seed: 42), r = randomValues(n * k, seed: 43)
        var y = [Float](repeating: 0, count: n * k)
        fc.forward(x, &y, batch: n)
        let w0 = fc.weight.value.map(Double.init), b0 = fc.bias.value.map(Double.init), x0 = x.map(Double.init)
        XCTAssertLessThan(maxAbsoluteError(y, Naive.linear(x0, n: n, d: d, w0, b0, k: k)), 1e-5)
        var dx = [Float](repeating: .nan, count: x.count)
        fc.backward(outputGradient: r, input: x, inputGradient: &dx, batch: n)
        func loss(_ xs: [Double], _ ws: [Double], _ bs: [Double]) -> Double {
            zip(Naive.linear(xs, n: n, d: d, ws, bs, k: k), r).reduce(0) { $0 + $1.0 * Double($1.1) }
        }
        XCTAssertLessThan(maxRelativeError(dx, centralDifferences(x0) { loss($0, w0, b0) }), tolerance)
        XCTAssertLessThan(maxRelativeError(fc.weight.gradient, centralDifferences(w0) { loss(x0, $0, b0) }), tolerance)
        XCTAssertLessThan(maxRelativeError(fc.bias.gradient, centralDifferences(b0) { loss(x0, w0, $0) }), tolerance)
    }

    func testCrossEntropyGradientMatchesFiniteDifferencesAndClosedForm() {
        let (n, k) = (4, 5)
        let logits = randomValues(n * k, seed: 51).map { $0 * 3 }
        let labels: [Int32] = [0, 4, 2, 2]
        var probs = [Float](repeating: 0, count: n * k), grad = [Float](repeating: 0, count: n * k)
        let loss = SoftmaxCrossEntropy.loss(logits: logits, labels: labels, batch: n, classes: k,
                                            probabilities: &probs, logitsGradient: &grad)
        let intLabels = labels.map(Int.init)
        let reference = Naive.crossEntropy(logits.map(Double.init), labels: intLabels, k: k)
        XCTAssertEqual(Double(loss), reference, accuracy: 1e-6)
        let num = centralDifferences(logits.map(Double.init)) { Naive.crossEntropy($0, labels: intLabels, k: k) }
        XCTAssertLessThan(maxRelativeError(grad, num), tolerance)
        // dL/df = (softmax − onehot) / N, element by element.
        for s in 0..<n { for j in 0..<k {
            let expected = (probs[s * k + j] - (j == Int(labels[s]) ? 1 : 0)) / Float(n)
            XCTAssertEqual(grad[s * k + j], expected, accuracy: 1e-7)
        } }
    }

    func testSoftTargetCrossEntropyGradientMatchesFiniteDifferences() {
        let (n, k) = (3, 4)
        let logits = randomValues(n * k, seed: 52).map { $0 * 3 }
        // Rows: a mixup of classes 1 and 3, a smoothed one-hot, a spread distribution.
        let targets: [Float] = [0, 0.3, 0, 0.7, 0.025, 0.025, 0.925, 0.025, 0.1, 0.2, 0.3, 0.4]
        func reference(_ f: [Double]) -> Double {
            var total = 0.0
            for s in 0..<n {
                let row = f[(s * k)..<(s * k + k)], m = row.max()!
                let logSum = m + Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
                for j in 0..<k { total += Double(targets[s * k + j]) * (logSum - f[s * k + j]) }
            }
            return total / Double(n)
        }
        var probs = [Float](repeating: 0, count: n * k), grad = [Float](repeating: 0, count: n * k)
        let loss = SoftmaxCrossEntropy.loss(logits: logits, targets: targets, batch: n, classes: k,
                                            probabilities: &probs, logitsGradient: &grad)
        XCTAssertEqual(Double(loss), reference(logits.map(Double.init)), accuracy: 1e-6)
        XCTAssertLessThan(maxRelativeError(grad, centralDifferences(logits.map(Double.init), reference)), tolerance)
        // A one-hot target gives exactly the integer-label loss and gradient.
        let labels: [Int32] = [2, 0, 3]
        var oneHot = [Float](repeating: 0, count: n * k)
        for s in 0..<n { oneHot[s * k + Int(labels[s])] = 1 }
        var g1 = [Float](repeating: 0, count: n * k), g2 = [Float](repeating: 0, count: n * k)
        let l1 = SoftmaxCrossEntropy.loss(logits: logits, targets: oneHot, batch: n, classes: k, logitsGradient: &g1)
        let l2 = SoftmaxCrossEntropy.loss(logits: logits, labels: labels, batch: n, classes: k, logitsGradient: &g2)
        XCTAssertEqual(l1, l2)
        XCTAssertEqual(g1, g2)
    }

    func testCrossEntropyIsFiniteForExtremeLogits() {
        let logits: [Float] = [1000, 0, 0, 0, -1000, -1001, -999, -1000]
        let labels: [Int32] = [1, 2]
        var probs = [Float](repeating: 0, count: 8), grad = [Float](repeating: 0, count: 8)
        let loss = SoftmaxCrossEntropy.loss(logits: logits, labels: labels, batch: 2, classes: 4,
                                            probabilities: &probs, logitsGradient: &grad)
        XCTAssertTrue(loss.isFinite)
        // Row 1: −log softmax = 1000 exactly (up to e^-1000); row 2: log(1 + e^-1 + e^-2 + e^-1).
        let row2 = Foundation.log(1 + 2 * Foundation.exp(-1.0) + Foundation.exp(-2.0))
        XCTAssertEqual(Double(loss), (1000 + row2) / 2, accuracy: 1e-3)
        for s in 0..<2 {
            let row = probs[(s * 4)..<(s * 4 + 4)]
            XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-6)
            XCTAssertTrue(row.allSatisfy { $0.isFinite })
        }
        XCTAssertEqual(probs[0], 1)
        XCTAssertEqual(grad[0], 0.5, accuracy: 1e-7)   // (1 − 0) / 2
        XCTAssertEqual(grad[1], -0.5, accuracy: 1e-7)  // (0 − 1) / 2
        XCTAssertEqual(grad[6], (probs[6] - 1) / 2, accuracy: 1e-7)
        XCTAssertTrue(grad.allSatisfy { $0.isFinite })
    }
}
