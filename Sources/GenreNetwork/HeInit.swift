/// He (Kaiming) uniform initialisation for layers followed by ReLU.
///
/// Draws `count` values from U(−b, b) with b = √(6 / fanIn), so that the variance is 2 / fanIn and the
/// activations' scale is preserved through ReLU layers.
/// Source: He et al., "Delving Deep into Rectifiers" (2015), eq. 10; PyTorch's
/// `kaiming_uniform_(w, nonlinearity="relu")`. Biases start at 0.
/// - Parameter fanIn: inputs per output unit (`Cin·kh·kw` for a convolution, `D` for Linear); > 0.
public func heUniform(count: Int, fanIn: Int, using generator: inout SeededGenerator) -> [Float] {
    precondition(fanIn > 0)
    let bound = (6.0 / Float(fanIn)).squareRoot()
    return (0..<count).map { _ in (generator.nextUnitFloat() * 2 - 1) * bound }
}
