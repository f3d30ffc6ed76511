/// The model committed with the repository, which `predict`, `evaluate` and `info` use by default and
/// `train` refuses to overwrite by accident.
public enum ShippedModel {
    /// Relative to the repository root (where the commands are meant to run): `models/genre.safetensors`.
    public static let path = "models/genre.safetensors"
}
