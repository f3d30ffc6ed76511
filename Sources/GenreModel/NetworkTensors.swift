import GenreNetwork
import SafeTensors

/// Loads a `ConvNet`'s parameters and buffers from a safetensors file by name, with the checks every
/// stored network passes before it is used: model files (`ModelFile.decode`, names as PyTorch's
/// `state_dict`) and checkpoints (`Checkpoint.read`, the same names under `net.` and `best.`).
public enum NetworkTensors {
    /// Why the tensors do not make the network: one line naming the tensor (as stored, with its prefix).
    public struct Problem: Error, CustomStringConvertible, Equatable {
        /// E.g. "tensor net.fc.weight holds non-finite values".
        public var description: String
    }

    /// - Parameters:
    ///   - file: a parsed safetensors file.
    ///   - configuration: the network the tensors must fit; every parameter's shape comes from it
    ///     (`conv<i>.weight` `[Cout, Cin, 3, 3]`, … `fc.weight` `[K, D]`), every BatchNorm buffer is `[C]`.
    ///   - prefix: put before each name with a dot (`"net"` → `net.conv1.weight`); `""` for none.
    /// - Returns: a network of `configuration` holding the file's values (F32, bit for bit).
    /// - Throws: `Problem` at the first tensor, in the network's parameter order and then its buffers', that
    ///   is missing, of another shape, not F32, holds a non-finite value or one beyond ±`ModelFile.maxWeight`
    ///   (flipped exponent bits), or, for a running variance, a negative one. Tensors the network does not
    ///   name are not looked at (`ModelFile` refuses them; a checkpoint holds several networks).
    public static func load(_ file: SafeTensorsFile, configuration: ConvNetConfiguration,
                            prefix: String = "") throws(Problem) -> ConvNet {
        func stored(_ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }
        var network = ConvNet(configuration: configuration, seed: 0)
        var failure: Problem?
        network.updateParameters { _, p in
            guard failure == nil else { return }
            do throws(Problem) { p.value = try parameter(file, stored(p.name), shape: p.shape) } catch { failure = error }
        }
        if let failure { throw failure }
        for b in network.buffers {
            let name = stored(b.name)
            guard let info = file.tensors[name], info.shape == [b.values.count], let values = try? file.floats(name) else {
                throw Problem(description: "tensor \(name) missing or not F32 [\(b.values.count)]")
            }
            // Running variances are positive; means, like weights, are bounded.
            guard values.allSatisfy({ $0.isFinite && abs($0) <= ModelFile.maxWeight }),
                  !b.name.hasSuffix("running_var") || values.allSatisfy({ $0 >= 0 }) else {
                throw Problem(description: "tensor \(name) holds impossible values")
            }
            _ = network.setBuffer(b.name, values)
        }
        return network
    }

    /// The values of parameter tensor `name`, checked against `shape` and the weight bounds.
    private static func parameter(_ file: SafeTensorsFile, _ name: String, shape: [Int]) throws(Problem) -> [Float] {
        guard let info = file.tensors[name] else { throw Problem(description: "tensor \(name) missing") }
        guard info.shape == shape else {
            throw Problem(description: "tensor \(name) has shape \(info.shape), the architecture needs \(shape)")
        }
        guard let values = try? file.floats(name) else { throw Problem(description: "tensor \(name) is not F32") }
        guard values.allSatisfy({ $0.isFinite }) else { throw Problem(description: "tensor \(name) holds non-finite values") }
        guard values.allSatisfy({ abs($0) <= ModelFile.maxWeight }) else {
            throw Problem(description: "tensor \(name) holds values beyond ±\(ModelFile.maxWeight); the file looks damaged")
        }
        return values
    }
}
