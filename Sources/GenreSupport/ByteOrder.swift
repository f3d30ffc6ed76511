

/// Deterministic string order for file names and class names.
///
/// Swift's `<` on String compares by Unicode canonical equivalence, and Foundation's comparisons
/// can follow the locale; file lists must sort the same everywhere, so names are compared by their
/// UTF-8 bytes, which is also Unicode scalar order.
@inline(__always)
package func utf8Precedes(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
