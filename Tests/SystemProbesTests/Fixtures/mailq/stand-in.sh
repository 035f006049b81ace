#!/bin/sh
# Stand-in for mailq in the check_mailq side-by-side tests:
# prints $MAILQ_FIXTURE and exits $MAILQ_EXIT.
cat "$MAILQ_FIXTURE"
exit "${MAILQ_EXIT:-0}"
