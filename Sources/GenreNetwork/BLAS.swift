import CBLIS

/// The BLAS library behind the convolutions' `cblas_sgemm`.
public enum BLAS {
    /// E.g. `BLIS 0.9.0`.
    public static var version: String { "BLIS " + String(cString: bli_info_get_version_str()) }
}
