import COpenBLAS

/// The BLAS library behind the convolutions' and the Linear layer's `cblas_sgemm`: OpenBLAS.
public enum BLAS {
    /// E.g. `OpenBLAS 0.3.21 (Haswell kernels, pthreads build)`: the version, the kernel set OpenBLAS chose for
    /// this processor (or `OPENBLAS_CORETYPE` named), and the build. The kernels set the speed of every convolution
    /// and the rounding of the sums: other kernels train to other bits. `Prescott` means SSE3 only, a processor
    /// this OpenBLAS does not recognise (`OPENBLAS_CORETYPE=Haswell` gives AVX2 kernels on any processor with AVX2).
    public static var version: String {
        let config = String(cString: openblas_get_config()).split(separator: " ")
        let number = config.count > 1 ? String(config[1]) : "?"
        return "OpenBLAS \(number) (\(kernels) kernels, \(build) build)"
    }

    /// The name of the kernel set OpenBLAS chose at run time, e.g. `Haswell`, `Cooperlake` or `Prescott`.
    public static var kernels: String { String(cString: openblas_get_corename()) }

    /// `pthreads`, `OpenMP` or `serial`: the build of libopenblas.so.0 that was loaded.
    public static var build: String { ["serial", "pthreads", "OpenMP"][Int(min(max(openblas_get_parallel(), 0), 2))] }

    /// True when the loaded OpenBLAS may be called from several threads at once. Debian 12's serial build is made
    /// without `USE_LOCKING` and then returns wrong products now and then (measured: 56 of 400 batches of 64 small
    /// convolutions on two threads, `BLASTests`; OpenBLAS 0.3.7 release notes, `USE_LOCKING`); its threaded builds lock
    /// their buffers.
    public static var isSafeForConcurrentCalls: Bool { openblas_get_parallel() != 0 }

    /// Keeps OpenBLAS to one thread per call, once per process; every GEMM site touches it first. Our own workers
    /// split each batch (each sample's GEMMs run on one worker, which is what makes results the same bits for every
    /// `--threads`), so the threaded build must not start threads of its own inside every worker's call.
    static let singleThreaded: Void = openblas_set_num_threads(1)
}
