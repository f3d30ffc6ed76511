import CBLIS

/// The BLAS library behind the convolutions' `cblas_sgemm`.
public enum BLAS {
    /// E.g. `BLIS 0.9.0 (zen3 kernels)`: the version and the kernel set BLIS chose for this processor.
    /// The kernels set the speed of every convolution, and the rounding of the sums: a processor this BLIS
    /// does not know gets its portable `generic` kernels (Debian 12's BLIS 0.9.0 does so on AMD Zen 5:
    /// docs/benchmarks/), and other kernels train to other bits.
    public static var version: String { "BLIS \(String(cString: bli_info_get_version_str())) (\(kernels) kernels)" }

    /// The name of the kernel set BLIS chose at run time, e.g. `skx`, `zen3` or `generic`.
    public static var kernels: String { String(cString: bli_arch_string(bli_arch_query_id())) }
}
