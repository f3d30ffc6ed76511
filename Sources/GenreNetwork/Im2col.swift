// Letters used throughout GenreNetwork: N batch, C channels, H height (mel bands), W width (frames),
// K classes, D features into the Linear layer. Every tensor is a row-major Float buffer.

/// Lowers one image for a 3×3, stride-1, padding-1 convolution into a matrix (im2col).
///
/// - Parameters:
///   - image: `[C, H, W]`.
///   - columns: `[C·9, H·W]`, overwritten. Row `(c·3 + ky)·3 + kx`, column `y·W + x` holds
///     `image[c, y + ky − 1, x + kx − 1]`, or 0 where that lies in the padding.
/// Source: the im2col lowering of Chellapilla et al. (2006), as in darknet's `im2col_cpu`.
@inline(__always)
func im2col3x3(_ image: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
               _ columns: UnsafeMutablePointer<Float>) {
    let plane = height * width
    for c in 0..<channels {
        let src = image + c * plane
        for ky in 0..<3 {
            for kx in 0..<3 {
                let row = columns + ((c * 3 + ky) * 3 + kx) * plane
                let dx = kx - 1
                // Valid output columns x for which x + dx stays inside [0, width).
                let x0 = max(0, -dx), x1 = min(width, width - dx)
                for y in 0..<height {
                    let sy = y + ky - 1
                    let out = row + y * width
                    if sy < 0 || sy >= height {
                        out.update(repeating: 0, count: width)
                        continue
                    }
                    let inRow = src + sy * width + dx
                    if x0 > 0 { out[0] = 0 }
                    if x1 < width { out[width - 1] = 0 }
                    for x in x0..<x1 { out[x] = inRow[x] }
                }
            }
        }
    }
}

/// The adjoint of `im2col3x3`: scatters column gradients back onto the image (col2im).
///
/// - Parameters:
///   - columns: `[C·9, H·W]`, laid out as `im2col3x3` writes it.
///   - image: `[C, H, W]`, overwritten with the sum of every column entry that was copied from each pixel.
@inline(__always)
func col2im3x3(_ columns: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
               _ image: UnsafeMutablePointer<Float>) {
    let plane = height * width
    image.update(repeating: 0, count: channels * plane)
    for c in 0..<channels {
        let dst = image + c * plane
        for ky in 0..<3 {
            for kx in 0..<3 {
                let row = columns + ((c * 3 + ky) * 3 + kx) * plane
                let dx = kx - 1
                let x0 = max(0, -dx), x1 = min(width, width - dx)
                for y in 0..<height {
                    let sy = y + ky - 1
                    if sy < 0 || sy >= height { continue }
                    let inRow = row + y * width
                    let outRow = dst + sy * width + dx
                    for x in x0..<x1 { outRow[x] += inRow[x] }
                }
            }
        }
    }
}
