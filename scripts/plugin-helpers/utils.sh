#! /bin/sh
# utils.sh -- shell helpers for plugin scripts, installed next to the Vigil
# plugins. Third-party plugins source it from the plugin directory
# (`. "$PROGPATH"/utils.sh`); it provides the same names and behaviour as
# utils.sh of the Monitoring Plugins 2.3.3:
#   STATE_OK STATE_WARNING STATE_CRITICAL STATE_UNKNOWN STATE_DEPENDENT
#   print_revision NAME REVISION   version line for --version
#   support                        where to get help (for --help)
#   check_range VALUE RANGE        status 0 = alert, 1 = no alert, 2 = bad input
# See docs/plugins/utils.md.

STATE_OK=0
STATE_WARNING=1
STATE_CRITICAL=2
STATE_UNKNOWN=3
STATE_DEPENDENT=4

# print_revision NAME REVISION: what a plugin prints for -V/--version.
print_revision() {
	printf '%s v%s (vigil 0.1.0, monitoring-plugins 2.3.3 compatible)\n' "$1" "$2"
	printf '%s\n' \
		"This plugin comes with no warranty of any kind; it may be copied and" \
		"changed under the terms of its license."
}

# support: where users of a plugin can turn for help.
support() {
	printf '%s\n' \
		"Questions and problem reports: see the documentation that came with" \
		"Vigil (docs/plugins/) and include the output of --version."
}

# check_range VALUE RANGE
# RANGE is a Nagios threshold range: N (alert outside 0..N), N: (below N),
# ~:N (above N), A:B (outside A..B), and a leading @ alerts inside instead.
# Ends are inclusive. Returns 0 when VALUE raises an alert, 1 when it does
# not, 2 (with a message on standard error) when VALUE or RANGE is invalid.
check_range() {
	_vigil_number='-?([0-9]+\.?[0-9]*|[0-9]*\.[0-9]+)'
	if ! printf '%s\n' "$1" | grep -E -q -- "^${_vigil_number}\$"; then
		echo "${0##*/}: check_range: invalid value" >&2
		return 2
	fi
	if ! printf '%s\n' "$2" | grep -E -q -- "^@?(~|${_vigil_number})(:(${_vigil_number})?)?\$"; then
		echo "${0##*/}: check_range: invalid range" >&2
		return 2
	fi
	# One awk run decides; its exit status is the answer.
	awk -v value="$1" -v range="$2" 'BEGIN {
		inside = 0
		if (substr(range, 1, 1) == "@") { inside = 1; range = substr(range, 2) }
		colon = index(range, ":")
		if (colon == 0) { low = "0"; high = range } else { low = substr(range, 1, colon - 1); high = substr(range, colon + 1) }
		within = 1
		if (high == "~") within = 0          # "~" alone is no upper end: never within
		if (low != "~" && value + 0 < low + 0) within = 0
		if (high != "" && high != "~" && value + 0 > high + 0) within = 0
		alert = inside ? within : !within
		exit(alert ? 0 : 1)
	}'
}
