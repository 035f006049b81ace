#!/bin/sh
# A stand-in plugin for the negate side-by-side tests: exit code $1, text $2.
echo "line1 $2"
echo "line2 | a=1"
echo err >&2
exit $1
