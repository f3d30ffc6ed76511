import CFFTW
enum _Link { static func f() { fftwf_cleanup() } }
