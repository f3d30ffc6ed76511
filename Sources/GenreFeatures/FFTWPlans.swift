import CFFTW
import Foundation

/// Process-wide cache of single-precision real-to-complex FFTW plans, one per FFT length.
///
/// FFTW's planner is not thread-safe, so creating plans happens under `lock`; executing a plan with
/// `fftwf_execute_dft_r2c` on per-call buffers is thread-safe. Plans are made with `FFTW_ESTIMATE`
/// (no timing measurements), so the same plan — and bit-identical output — results on every run.
/// They are never destroyed: there is one per distinct nFFT in the process.
final class FFTWPlans: @unchecked Sendable {
    static let shared = FFTWPlans()

    private let lock = NSLock()
    private var plans: [Int: OpaquePointer] = [:]

    /// The r2c plan for length `n`. It was made on `fftwf_malloc` buffers, so it must be executed on
    /// buffers from `fftwf_malloc` too (same SIMD alignment).
    func realForward(length n: Int) -> OpaquePointer {
        lock.lock()
        defer { lock.unlock() }
        if let plan = plans[n] { return plan }
        let input = fftwf_alloc_real(n)!
        let output = fftwf_alloc_complex(n / 2 + 1)!
        defer {
            fftwf_free(input)
            fftwf_free(output)
        }
        guard let plan = fftwf_plan_dft_r2c_1d(Int32(n), input, output, UInt32(FFTW_ESTIMATE)) else {
            fatalError("FFTW could not plan a real FFT of length \(n)")
        }
        plans[n] = plan
        return plan
    }
}
