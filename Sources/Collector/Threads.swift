#if canImport(Glibc)
import Glibc
#endif

/// Runs `body(0) … body(count - 1)` on `count` threads and waits for all.
/// (librrd's `_r` calls are thread-safe and mostly wait on the kernel, so
/// a few threads overlap that waiting even on a small machine.)
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    final class Start {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }
    if count <= 1 {
        body(0)
        return
    }
    var threads: [pthread_t] = []
    for w in 0..<count {
        let context = Unmanaged.passRetained(Start { body(w) }).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            if let raw { Unmanaged<Start>.fromOpaque(raw).takeRetainedValue().run() }
            return nil
        }, context)
        if rc == 0 {
            threads.append(thread)
        } else {
            Unmanaged<Start>.fromOpaque(context).takeRetainedValue().run() // no thread: run here
        }
    }
    for t in threads { pthread_join(t, nil) }
}
