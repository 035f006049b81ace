import NagiosPlugin

/// Every plugin the `vigil-plugins` multi-call binary provides, by the name
/// it is installed under. A static list: adding a plugin is one line here.
public enum PluginRegistry {
    public typealias Entry = (name: String, main: @Sendable ([String]) -> Never)

    public static let entries: [Entry] = [
        ("check_dummy", CheckDummy.main),
        ("negate", Negate.main),
    ]

    /// The entry point of the plugin called `name`.
    public static func main(for name: Substring) -> (@Sendable ([String]) -> Never)? {
        entries.first { $0.name[...] == name }?.main
    }
}
