import NagiosPlugin

/// Every plugin the `vigil-plugins` multi-call binary provides, by the name
/// it is installed under. A static list: adding a plugin is one line here.
public enum PluginRegistry {
    public typealias Entry = (name: String, main: @Sendable ([String]) -> Never)

    public static let entries: [Entry] = [
        ("check_dummy", CheckDummy.main),
        ("negate", Negate.main),
        ("check_baseline", CheckBaseline.main),
        ("check_apt", CheckApt.main),
        ("check_cluster", CheckCluster.main),
        ("check_mailq", CheckMailq.main),
        ("check_nagios", CheckNagios.main),
        ("check_sensors", CheckSensors.main),
        ("check_disk", CheckDisk.main),
        ("check_file_age", CheckFileAge.main),
        ("check_log", CheckLog.main),
        ("check_load", CheckLoad.main),
        ("check_swap", CheckSwap.main),
        ("check_users", CheckUsers.main),
        ("check_procs", CheckProcs.main),
    ]

    /// The entry point of the plugin called `name`.
    public static func main(for name: Substring) -> (@Sendable ([String]) -> Never)? {
        entries.first { $0.name[...] == name }?.main
    }
}
