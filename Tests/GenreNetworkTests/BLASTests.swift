import XCTest
@testable import GenreNetwork

/// The GEMM library under the layers: which OpenBLAS build is loaded, and that our workers may call it at once.
final class BLASTests: XCTestCase {
    func testTheLoadedOpenBLASIsABuildThatLocksItsBuffers() {
        // Debian 12's serial build (no USE_LOCKING) returns wrong products now and then under concurrent calls;
        // Package.swift links and loads the pthreads build's own folder whatever the alternatives say.
        XCTAssertTrue(BLAS.isSafeForConcurrentCalls, BLAS.version)
        XCTAssertTrue(BLAS.version.hasPrefix("OpenBLAS 0."), BLAS.version)
        XCTAssertTrue(BLAS.version.hasSuffix(" kernels, pthreads build)"), BLAS.version)
    }

    /// Two workers calling the GEMM at once give the bits of one worker, call after call: with the serial build
    /// 56 of these 400 batches came out wrong (and TrainerTests' thread-count test failed 1 run in 3).
    func testConcurrentConvolutionsGiveTheBitsOfOneThread() {
        let (n, cin, cout, h, w) = (64, 2, 3, 8, 8)
        var g = SeededGenerator(seed: 5)
        let conv = Conv2D(name: "c", inChannels: cin, outChannels: cout, generator: &g)
        let x = randomValues(n * cin * h * w, seed: 6)
        func forward(threads: Int) -> [Float] {
            var y = [Float](repeating: .nan, count: n * cout * h * w)
            var scratch = [Float](repeating: 0, count: threads * conv.scratchCount(height: h, width: w))
            conv.forward(x, &y, batch: n, height: h, width: w, scratch: &scratch, threads: threads)
            return y
        }
        let one = forward(threads: 1)
        var differing = 0
        for _ in 0..<400 where forward(threads: 2) != one { differing += 1 }
        XCTAssertEqual(differing, 0, "of 400 batches of \(n) samples on 2 threads, \(differing) differ from 1 thread")
    }
}
