#if canImport(Glibc)
import Glibc
#endif

/// Calls `body` with `strings` as a C `argv` (`const char **`, NULL-terminated).
func withCStringArray<R>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>, Int32) -> R) -> R {
    let argv = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: strings.count + 1)
    var owned: [UnsafeMutablePointer<CChar>?] = []
    owned.reserveCapacity(strings.count)
    for (i, s) in strings.enumerated() {
        let p = strdup(s)
        owned.append(p)
        argv[i] = UnsafePointer(p)
    }
    argv[strings.count] = nil
    defer {
        for p in owned { free(p) }
        argv.deallocate()
    }
    return body(argv, Int32(strings.count))
}

/// `strerror(code)` as a String.
func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
