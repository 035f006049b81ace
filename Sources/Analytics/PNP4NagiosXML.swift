/// The XML sidecar PNP4Nagios writes next to a service's RRD(s)
/// (`perfdata/HOST/SERVICE.xml`): which data source of which RRD holds
/// which perfdata label, with its unit and min/max.
///
///     <NAGIOS>
///       <DATASOURCE>
///         <TEMPLATE>check_ping</TEMPLATE>
///         <RRDFILE>/var/lib/pnp4nagios/perfdata/web01/PING.rrd</RRDFILE>
///         <RRD_STORAGE_TYPE>SINGLE</RRD_STORAGE_TYPE>
///         <DS>1</DS> <NAME>rta</NAME> <LABEL>rta</LABEL> <UNIT>ms</UNIT>
///         <MIN>0</MIN> <MAX></MAX> …
///       </DATASOURCE>
///       …
///       <NAGIOS_AUTH_HOSTNAME>web01</NAGIOS_AUTH_HOSTNAME>
///       <NAGIOS_AUTH_SERVICEDESC>PING</NAGIOS_AUTH_SERVICEDESC>
///     </NAGIOS>
///
/// `NAME` is PNP's file-system-safe version of the label (`/var` →
/// `_var`); `LABEL` is the label as the plugin printed it, which is what
/// the generated configuration uses. Host perfdata has the service
/// `_HOST_`.
public struct PNP4NagiosXML: Sendable, Hashable {
    public struct DataSource: Sendable, Hashable {
        /// 1-based index; the RRD data source is named by it (`"1"`).
        public var index: Int
        public var name: String
        public var label: String
        public var unit: String
        public var minimum: Double?
        public var maximum: Double?
        /// The RRD file as recorded by PNP (may point to another machine's path).
        public var rrdFile: String
        /// `SINGLE` (one RRD per service, DS `1…n`) or `MULTIPLE` (one RRD per label, DS `1`).
        public var storageType: String
    }

    public var host: String
    /// Empty for host perfdata (`_HOST_`).
    public var service: String
    public var dataSources: [DataSource]

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case notPNP(String)
        public var description: String {
            switch self {
            case .notPNP(let why): "not a PNP4Nagios XML file: \(why)"
            }
        }
    }

    public init(parsing text: String) throws(ParseError) {
        let elements = SimpleXML.elements(text)
        guard elements.first?.path.first == "NAGIOS" else { throw .notPNP("no <NAGIOS> root element") }
        var host: String?
        var service: String?
        var sources: [DataSource] = []
        var current: [String: String]?
        func finish() {
            guard let c = current else { return }
            let index = Int(c["DS"] ?? "") ?? sources.count + 1
            let name = c["NAME"] ?? ""
            let label = (c["LABEL"]).flatMap { $0.isEmpty ? nil : $0 } ?? name
            sources.append(DataSource(index: index, name: name, label: label, unit: c["UNIT"] ?? "",
                                      minimum: Double(c["MIN"] ?? ""), maximum: Double(c["MAX"] ?? ""),
                                      rrdFile: c["RRDFILE"] ?? "", storageType: c["RRD_STORAGE_TYPE"] ?? "SINGLE"))
            current = nil
        }
        for e in elements {
            switch e.path.count {
            case 2 where e.path[1] == "DATASOURCE":
                if e.isStart { finish(); current = [:] } else { finish() }
            case 3 where e.path[1] == "DATASOURCE":
                if !e.isStart { current?[e.path[2]] = e.text }
            case 2 where !e.isStart:
                switch e.path[1] {
                case "NAGIOS_AUTH_HOSTNAME": host = e.text
                case "NAGIOS_HOSTNAME": if host == nil || host == "" { host = e.text }
                case "NAGIOS_AUTH_SERVICEDESC": service = e.text
                case "NAGIOS_SERVICEDESC": if service == nil || service == "" { service = e.text }
                default: break
                }
            default: break
            }
        }
        finish()
        guard let host, !host.isEmpty else { throw .notPNP("no NAGIOS_AUTH_HOSTNAME / NAGIOS_HOSTNAME") }
        guard !sources.isEmpty else { throw .notPNP("no <DATASOURCE>") }
        self.host = host
        let svc = service ?? ""
        self.service = svc == "_HOST_" ? "" : svc
        self.dataSources = sources
    }
}

/// Just enough XML for the flat files PNP4Nagios writes: elements, text,
/// the five named entities, numeric character references and CDATA;
/// declarations, comments and processing instructions are skipped.
enum SimpleXML {
    struct Event {
        /// Tag names from the root down to this element.
        var path: [String]
        var isStart: Bool
        /// The element's text (end events only).
        var text: String
    }

    static func elements(_ xml: String) -> [Event] {
        var events: [Event] = []
        var stack: [String] = []
        var text = ""
        let s = Array(xml.utf8)
        var i = 0
        while i < s.count {
            if s[i] != UInt8(ascii: "<") {
                let start = i
                while i < s.count, s[i] != UInt8(ascii: "<") { i += 1 }
                text += decodeEntities(String(decoding: s[start..<i], as: UTF8.self))
                continue
            }
            if starts(s, i, "<![CDATA[") {
                let from = i + 9
                var j = from
                while j < s.count, !starts(s, j, "]]>") { j += 1 }
                text += String(decoding: s[from..<min(j, s.count)], as: UTF8.self)
                i = j + 3
                continue
            }
            if starts(s, i, "<!--") {
                var j = i + 4
                while j < s.count, !starts(s, j, "-->") { j += 1 }
                i = j + 3
                continue
            }
            var j = i + 1
            while j < s.count, s[j] != UInt8(ascii: ">") { j += 1 }
            let inner = String(decoding: s[(i + 1)..<min(j, s.count)], as: UTF8.self)
            i = j + 1
            if inner.hasPrefix("?") || inner.hasPrefix("!") { continue }
            if inner.hasPrefix("/") {
                let name = tagName(inner.dropFirst())
                if let k = stack.lastIndex(of: name) {
                    events.append(Event(path: Array(stack[...k]), isStart: false, text: text.trimmedXML()))
                    stack.removeSubrange(k...)
                }
                text = ""
            } else {
                let name = tagName(inner[...])
                stack.append(name)
                events.append(Event(path: stack, isStart: true, text: ""))
                text = ""
                if inner.hasSuffix("/") {
                    events.append(Event(path: stack, isStart: false, text: ""))
                    stack.removeLast()
                }
            }
        }
        return events
    }

    private static func starts(_ s: [UInt8], _ i: Int, _ prefix: String) -> Bool {
        let p = Array(prefix.utf8)
        guard i + p.count <= s.count else { return false }
        for k in 0..<p.count where s[i + k] != p[k] { return false }
        return true
    }

    private static func tagName(_ inner: Substring) -> String {
        String(inner.prefix { $0 != " " && $0 != "\t" && $0 != "\n" && $0 != "/" && $0 != "\r" })
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            guard let semi = after.firstIndex(of: ";"), after.distance(from: after.startIndex, to: semi) <= 10 else {
                out += "&"
                rest = after
                continue
            }
            let name = after[..<semi]
            var decoded: String?
            switch name {
            case "amp": decoded = "&"
            case "lt": decoded = "<"
            case "gt": decoded = ">"
            case "quot": decoded = "\""
            case "apos": decoded = "'"
            default:
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    decoded = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
                } else if name.hasPrefix("#") {
                    decoded = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) }
                }
            }
            if let decoded {
                out += decoded
                rest = after[after.index(after: semi)...]
            } else {
                out += "&"
                rest = after
            }
        }
        return out + rest
    }
}

extension String {
    fileprivate func trimmedXML() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
