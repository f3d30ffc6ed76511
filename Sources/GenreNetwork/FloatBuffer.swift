/// A fixed-size, zero-initialised, 64-byte-aligned Float buffer with a stable address.
///
/// Activations and scratch space are allocated once per batch shape and reused across steps, so the
/// training step itself allocates nothing; a class gives the buffers a stable address that worker
/// threads can write to without Swift's copy-on-write or exclusivity checks getting in the way.
public final class FloatBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: pointer, count: count) }
    public var array: [Float] { Array(buffer) }
}
