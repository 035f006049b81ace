#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why `--extra-opts` could not be expanded; each is 2.3.3's `die(UNKNOWN, …)`
/// text (printed on standard output, exit 3).
public enum ExtraOptsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No `@file` and no file found by the default search (or `@` with no name).
    case noConfigFile
    /// The file could not be opened: `strerror(errno)`.
    case unreadable(String)
    /// The section does not exist in the file, or has no option in it.
    case invalidSection(section: String, file: String)
    /// An option line before any section, without `=`, or starting with `=`.
    case syntax

    public var description: String {
        switch self {
        case .noConfigFile: return "Cannot find config file in any standard location."
        case .unreadable(let reason): return "Can't read config file: \(reason)"
        case .invalidSection(let section, let file): return "Invalid section '\(section)' in config file '\(file)'"
        case .syntax: return "Config file error"
        }
    }
}

extension PluginError {
    /// 2.3.3 dies with the message alone, UNKNOWN.
    public init(_ error: ExtraOptsError) { self = .state(.unknown, error.description) }
}

/// The Monitoring Plugins' `--extra-opts=[section][@file]` (lib/extra_opts.c
/// and lib/parse_ini.c of 2.3.3): each such argument is replaced by the
/// options of an ini file's section, all of them put before the remaining
/// command-line arguments (so that a command-line option given again wins).
public enum ExtraOpts {
    /// The environment, and whether a path exists (`access(F_OK)`), for the
    /// default search; tests inject their own.
    public struct Environment: Sendable {
        public var variable: @Sendable (String) -> String?
        public var exists: @Sendable (String) -> Bool
        public var read: @Sendable (String) -> Result<[UInt8], ExtraOptsError>

        public init(variable: @escaping @Sendable (String) -> String?, exists: @escaping @Sendable (String) -> Bool,
                    read: @escaping @Sendable (String) -> Result<[UInt8], ExtraOptsError>) {
            self.variable = variable
            self.exists = exists
            self.read = read
        }

        /// The process's environment and file system.
        public static let live = Environment(
            variable: { name in getenv(name).map { String(cString: $0) } },
            exists: { path in access(path, F_OK) == 0 },
            read: { path in ExtraOpts.readFile(path) })
    }

    /// Searched, in this order, in each directory of `NAGIOS_CONFIG_PATH`.
    public static let fileNames = ["monitoring-plugins.ini", "plugins.ini", "nagios-plugins.ini"]
    /// Searched, in this order, when neither `MP_CONFIG_FILE` nor
    /// `NAGIOS_CONFIG_PATH` names a file.
    public static let defaultPaths = [
        "/usr/local/etc/monitoring-plugins/monitoring-plugins.ini",
        "/usr/local/etc/monitoring-plugins.ini",
        "/etc/monitoring-plugins/monitoring-plugins.ini",
        "/etc/monitoring-plugins.ini",
        "/etc/nagios/plugins.ini",
        "/usr/local/nagios/etc/plugins.ini",
        "/usr/local/etc/nagios/plugins.ini",
        "/etc/opt/nagios/plugins.ini",
        "/etc/nagios-plugins.ini",
        "/usr/local/etc/nagios-plugins.ini",
        "/etc/opt/nagios-plugins.ini",
    ]

    private static let name: [UInt8] = Array("--extra-opts".utf8)

    /// `arguments` (without the program name) with every `--extra-opts`
    /// replaced as 2.3.3 does it; `section` is the default section (the
    /// plugin's name). Unchanged, after one cheap scan, when no argument
    /// starts with `--extra-opts`.
    public static func expand(_ arguments: [String], section: String,
                              environment: Environment = .live) throws(ExtraOptsError) -> [String] {
        guard arguments.contains(where: { startsWithName($0) }) else { return arguments }
        var kept: [String] = []
        var extra: [String] = []
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            guard startsWithName(arg) else { kept.append(arg); continue }
            var bytes = Array(arg.utf8)
            let locator: String?
            if bytes.count > name.count && bytes[name.count] == UInt8(ascii: "=") {
                bytes.removeFirst(name.count + 1)
                locator = String(decoding: bytes, as: UTF8.self)
            } else if bytes.count == name.count {
                // A separate value unless the next argument looks like an option (one or two dashes).
                if i < arguments.count && !looksLikeOption(arguments[i]) {
                    locator = arguments[i]
                    i += 1
                } else {
                    locator = nil
                }
            } else {
                kept.append(arg)  // `--extra-optsX`: getopt's to refuse
                continue
            }
            extra += try options(locator: locator, defaultSection: section, environment: environment)
        }
        return extra + kept
    }

    /// ``expand(_:section:environment:)`` for a plugin's `main`: the
    /// plugin's name is the default section; a failure is 2.3.3's `die`.
    public static func expanded(_ arguments: [String], plugin: String) throws(PluginError) -> [String] {
        do { return try expand(arguments, section: plugin) } catch { throw PluginError(error) }
    }

    /// The options one `--extra-opts[=locator]` stands for.
    public static func options(locator: String?, defaultSection: String,
                               environment: Environment = .live) throws(ExtraOptsError) -> [String] {
        var section = defaultSection
        var file: String?
        if let locator {
            let bytes = Array(locator.utf8)
            let at = bytes.firstIndex(of: UInt8(ascii: "@")) ?? bytes.count
            if at > 0 { section = String(decoding: bytes[..<at], as: UTF8.self) }
            if at < bytes.count { file = String(decoding: bytes[(at + 1)...], as: UTF8.self) }
        }
        let path = file ?? defaultFile(environment)
        guard let path, !path.isEmpty else { throw .noConfigFile }
        let contents: [UInt8]
        switch environment.read(path) {
        case .success(let c): contents = c
        case .failure(let e): throw e
        }
        guard let found = try IniSection.options(in: contents, section: section) else {
            throw .invalidSection(section: section, file: path)
        }
        return found
    }

    /// `MP_CONFIG_FILE` (even empty), else the first file found in
    /// `NAGIOS_CONFIG_PATH`'s directories, else the first default path that exists.
    public static func defaultFile(_ environment: Environment) -> String? {
        if let file = environment.variable("MP_CONFIG_FILE") { return file }
        if let dirs = environment.variable("NAGIOS_CONFIG_PATH") {
            for dir in dirs.split(separator: ":") {
                for name in fileNames {
                    let path = String(dir) + "/" + name
                    if environment.exists(path) { return path }
                }
            }
        }
        return defaultPaths.first { environment.exists($0) }
    }

    /// The whole file (`-` is standard input). A read error after a
    /// successful open (a directory) ends the data, as `fgetc` does.
    public static func readFile(_ path: String) -> Result<[UInt8], ExtraOptsError> {
        let fd = path == "-" ? 0 : open(path, O_RDONLY)
        if fd < 0 { return .failure(.unreadable(String(cString: strerror(errno)))) }
        defer { if fd != 0 { close(fd) } }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            data += chunk[..<n]
        }
        return .success(data)
    }

    static func startsWithName(_ arg: String) -> Bool {
        var utf8 = arg.utf8.makeIterator()
        for b in name {
            guard utf8.next() == b else { return false }
        }
        return true
    }

    /// extra_opts.c's `is_option2`: one or two leading dashes.
    static func looksLikeOption(_ arg: String) -> Bool {
        let dashes = arg.utf8.prefix { $0 == UInt8(ascii: "-") }.count
        return dashes == 1 || dashes == 2
    }
}

/// parse_ini.c's reader, byte for byte: the options of every `[section]`
/// of that name, each line `name[=value]` becoming `--name=value`
/// (`-n=value` for a one-letter name).
public enum IniSection {
    /// The arguments, or `nil` when the section is missing or has no option.
    public static func options(in contents: [UInt8], section: String) throws(ExtraOptsError) -> [String]? {
        var reader = Reader(bytes: contents)
        // The C code compares `int` from fgetc with a (signed) `char`: a
        // byte above 127 in the section name never matches.
        let stanza = section.utf8.map { Int(Int8(bitPattern: $0)) }
        enum State { case none, wrong, right }
        var state = State.none
        var result: [String] = []
        var found = false
        while true {
            var c = reader.next()
            if c == Reader.eof { break }
            if isSpace(c) { continue }
            switch c {
            case Int(UInt8(ascii: ";")), Int(UInt8(ascii: "#")):
                reader.gobbleLine()
            case Int(UInt8(ascii: "[")):
                state = .wrong
                var i = 0
                while i < stanza.count {
                    c = reader.next()
                    if i == 0 { while isSpace(c) { c = reader.next() } }
                    if c != stanza[i] {
                        reader.gobbleLine()
                        break
                    }
                    i += 1
                }
                if i == stanza.count {
                    c = reader.next()
                    while isSpace(c) { c = reader.next() }
                    if c == Int(UInt8(ascii: "]")) { state = .right }
                }
            default:
                switch state {
                case .none: throw .syntax
                case .wrong: reader.gobbleLine()
                case .right:
                    reader.back()
                    result.append(try option(reader.line()))
                    found = true
                }
            }
        }
        return found ? result : nil
    }

    /// parse_ini.c's `add_option`, with its quirks: spaces before `=` are
    /// trimmed in pairs (one of an odd run is dropped, the others kept),
    /// the value is trimmed at both ends, `name=` gives `--name`.
    static func option(_ line: ArraySlice<UInt8>) throws(ExtraOptsError) -> String {
        let end = line.endIndex
        var opt = line.startIndex
        while opt < end && isSpace(Int(line[opt])) { opt += 1 }
        var eq = opt
        var optEnd: Int?
        while eq < end && line[eq] != UInt8(ascii: "=") {
            optEnd = isSpace(Int(line[eq])) && optEnd == nil ? eq : nil
            eq += 1
        }
        let nameEnd = optEnd ?? eq  // one past the name
        if opt == eq { throw .syntax }
        guard eq < end else { throw .syntax }  // no `=`
        var value = eq + 1
        while value < end && isSpace(Int(line[value])) { value += 1 }
        var valueEnd = end
        while valueEnd > value && isSpace(Int(line[valueEnd - 1])) { valueEnd -= 1 }
        let name = line[opt..<nameEnd]
        var arg: [UInt8] = name.count == 1 ? [UInt8(ascii: "-")] : [UInt8(ascii: "-"), UInt8(ascii: "-")]
        arg += name
        if value < end {
            arg.append(UInt8(ascii: "="))
            arg += line[value..<valueEnd]
        }
        return String(decoding: arg, as: UTF8.self)
    }

    /// C's `isspace` in the C locale.
    static func isSpace(_ c: Int) -> Bool { c == 32 || (c >= 9 && c <= 13) }

    /// `fgetc`/`ungetc` over the file's bytes.
    struct Reader {
        static let eof = -1
        let bytes: [UInt8]
        var position = 0

        mutating func next() -> Int {
            guard position < bytes.count else { return Reader.eof }
            position += 1
            return Int(bytes[position - 1])
        }

        /// `ungetc` of the character just read (never EOF here).
        mutating func back() { if position > 0 { position -= 1 } }

        /// `GOBBLE_TO(f, c, '\n')`: reads on (at least one character) up to
        /// and including the next newline.
        mutating func gobbleLine() {
            var c: Int
            repeat { c = next() } while c != Reader.eof && c != 10
        }

        /// The rest of the line, without its newline, which is consumed.
        mutating func line() -> ArraySlice<UInt8> {
            let start = min(position, bytes.count)
            var end = start
            while end < bytes.count && bytes[end] != 10 { end += 1 }
            position = end < bytes.count ? end + 1 : bytes.count
            return bytes[start..<end]
        }
    }
}
