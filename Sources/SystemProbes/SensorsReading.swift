#if canImport(Glibc)
import Glibc
#endif

/// What check_sensors looks for in the output of lm-sensors' `sensors`:
/// the words `ALARM` (a chip's alarm flag) and `FAULT` (a broken sensor),
/// anywhere, upper case, as `grep -E ALARM` finds them.
public struct SensorsReading: Sendable, Equatable {
    /// The output with trailing newlines removed, as `$(sensors 2>&1)` keeps it.
    public let shellText: String

    public init(_ output: [UInt8]) {
        var bytes = output[...]
        while bytes.last == 0x0A { bytes = bytes.dropLast() }
        shellText = String(decoding: bytes, as: UTF8.self)
    }

    public var hasAlarm: Bool { strstr(shellText, "ALARM") != nil }
    public var hasFault: Bool { strstr(shellText, "FAULT") != nil }
}
