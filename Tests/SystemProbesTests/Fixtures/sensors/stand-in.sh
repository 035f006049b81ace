#!/bin/sh
# Stand-in for lm-sensors in the check_sensors side-by-side tests:
# prints $SENSORS_FIXTURE, optionally a line on stderr, exits $SENSORS_EXIT.
cat "$SENSORS_FIXTURE"
[ -n "$SENSORS_STDERR" ] && echo "$SENSORS_STDERR" >&2
exit "${SENSORS_EXIT:-0}"
