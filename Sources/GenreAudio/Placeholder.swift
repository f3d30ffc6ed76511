import CSndfile
import CSoxr
enum _Link { static let v = sf_version_string() }
