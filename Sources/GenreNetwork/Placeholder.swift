import COpenBLAS
enum _Link { static func f() { openblas_set_num_threads(1) } }
