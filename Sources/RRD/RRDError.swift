/// An error from librrd, from rrdcached or from the system call under them.
/// `message` is the library's (or the daemon's) own text.
public struct RRDError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// `create` found a file already there (creation never overwrites).
        case alreadyExists
        /// An update whose time is not after the file's last update
        /// (librrd's "illegal attempt to update using time …").
        case notAfterLastUpdate
        /// Any other librrd failure (bad file, bad argument …).
        case library
        /// A system call failed (`message` names it and carries `strerror`).
        case system
        /// rrdcached answered with a negative status.
        case daemon
        /// rrdcached could not be reached, or said something we cannot read.
        case connection
    }

    public let kind: Kind
    /// The C function or protocol command that failed (`rrd_update_r`, `FLUSH` …).
    public let operation: String
    /// The RRD file concerned (empty when none).
    public let path: String
    public let message: String

    public init(_ kind: Kind, operation: String, path: String, message: String) {
        self.kind = kind
        self.operation = operation
        self.path = path
        self.message = message
    }

    public var description: String {
        path.isEmpty ? "\(operation): \(message)" : "\(operation) \(path): \(message)"
    }
}
