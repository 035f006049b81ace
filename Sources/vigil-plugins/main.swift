// One executable for every plugin; `plugins/check_*` are links to it and it
// dispatches on the name it was started as (argv[0]). Called by its own
// name, the first argument names the plugin (`vigil-plugins check_dummy 0`);
// `vigil-plugins --list` prints the names scripts/build links.
import Checks
import NagiosPlugin

var arguments = CommandLine.arguments
var name = Substring(arguments.first ?? "")
if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
arguments.removeFirst()
if name == "vigil-plugins", let first = arguments.first {
    name = Substring(first)
    arguments.removeFirst()
}

let listInfo = PluginInfo(name: "vigil-plugins", usage: " vigil-plugins PLUGIN [ARGS...] | --list",
                          description: "Runs the plugin named by the link it is started through.")
if name == "--list" {
    PluginMain.run(listInfo) { () throws(PluginError) in
        .text(PluginRegistry.entries.map { $0.name + "\n" }.joined(), .ok)
    }
}
guard let entry = PluginRegistry.main(for: name) else {
    PluginMain.run(listInfo) { () throws(PluginError) in
        throw .unknown("vigil-plugins does not provide a plugin named '\(name)'")
    }
}
entry(arguments)
