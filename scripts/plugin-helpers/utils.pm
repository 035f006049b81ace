# utils.pm -- Perl helpers for plugin scripts, installed next to the Vigil
# plugins. Third-party plugins load it from the plugin directory
# (`use lib "/usr/lib/nagios/plugins"; use utils qw(%ERRORS $TIMEOUT ...);`);
# it provides the same names and behaviour as utils.pm of the Monitoring
# Plugins 2.3.3. New plugins are better off with Monitoring::Plugin.
# See docs/plugins/utils.md.

package utils;

use strict;

require Exporter;
our @ISA = qw(Exporter);
our @EXPORT_OK = qw($TIMEOUT %ERRORS &print_revision &support &usage);

sub print_revision ($$);
sub usage;
sub support ();
sub is_hostname;

# Paths of helper programs some plugins run (Debian's locations).
our $PATH_TO_SUDO = "/usr/bin/sudo";
our $PATH_TO_RPCINFO = "/usr/sbin/rpcinfo";
our $PATH_TO_LMSTAT = "";
our $PATH_TO_SMBCLIENT = "/usr/bin/smbclient";
our $PATH_TO_MAILQ = "/usr/bin/mailq";
# qmail-qstat where qmail installs it, else empty (as in Debian's build).
our $PATH_TO_QMAIL_QSTAT = "";
for my $candidate ("/var/qmail/bin/qmail-qstat", "/usr/sbin/qmail-qstat", "/usr/bin/qmail-qstat") {
	if (-x $candidate) { $PATH_TO_QMAIL_QSTAT = $candidate; last; }
}

# Seconds a plugin should allow itself by default.
our $TIMEOUT = 15;

# Exit codes by state name.
our %ERRORS = (OK => 0, WARNING => 1, CRITICAL => 2, UNKNOWN => 3, DEPENDENT => 4);

# print_revision(NAME, REVISION): what a plugin prints for -V/--version.
sub print_revision ($$) {
	my ($name, $revision) = @_;
	print "$name v$revision (vigil 0.1.0, monitoring-plugins 2.3.3 compatible)\n";
	print "This plugin comes with no warranty of any kind; it may be copied and\n",
	      "changed under the terms of its license.\n";
}

# support(): where users of a plugin can turn for help.
sub support () {
	print "Questions and problem reports: see the documentation that came with\n",
	      "Vigil (docs/plugins/) and include the output of --version.\n";
}

# usage(FORMAT, ARGS...): print a usage message and exit UNKNOWN.
sub usage {
	my $format = shift;
	printf($format, @_);
	exit $ERRORS{UNKNOWN};
}

# is_hostname(NAME): 1 for a dotted IPv4 address or a DNS name, else 0.
# All-digit-and-dot names must be exactly four numbers; a trailing dot is
# allowed on DNS names.
sub is_hostname {
	my $name = shift;
	return 0 unless defined $name;
	if ($name =~ /^[\d.]+$/ && $name !~ /\.$/) {
		return $name =~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/ ? 1 : 0;
	}
	return $name =~ /^[a-zA-Z0-9][-a-zA-Z0-9]*(\.[a-zA-Z0-9][-a-zA-Z0-9]*)*\.?$/ ? 1 : 0;
}

1;
