import Foundation
import Testing
@testable import SystemProbes

struct SystemRootTests {
    @Test func readsThroughTheRoot() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-root-\(getpid())")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("proc"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "0.15 0.10 0.05 1/100 42\n".write(to: dir.appendingPathComponent("proc/loadavg"), atomically: true, encoding: .utf8)
        let root = SystemRoot(path: dir.path + "/")
        #expect(try root.readText("/proc/loadavg") == "0.15 0.10 0.05 1/100 42\n")
    }

    @Test func missingFileNamesCallAndPath() {
        #expect(throws: SystemError(call: "open", path: "/nonexistent/x", errno: ENOENT)) {
            try SystemRoot(path: "/nonexistent").read("/x")
        }
        let e = SystemError(call: "open", path: "/x", errno: ENOENT)
        #expect(e.description == "open /x: No such file or directory")
    }

    @Test func liveProcFilesAreReadWhole() throws {
        #expect(try SystemRoot.live.read("/proc/self/status").count > 100)
    }
}
