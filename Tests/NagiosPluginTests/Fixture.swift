import Foundation

/// Rows of a tab-separated fixture copied from `shared/vectors/` (comment
/// lines and the header skipped), each row a `[column: value]` dictionary.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func rows(_ name: String) -> [[String: String]] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) else {
            return []
        }
        var header: [String]?
        var rows: [[String: String]] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#") || line.isEmpty { continue }
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let h = header else { header = cells; continue }
            var row: [String: String] = [:]
            for (i, name) in h.enumerated() { row[name] = i < cells.count ? cells[i] : "" }
            rows.append(row)
        }
        return rows
    }
}
