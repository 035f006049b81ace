#!/usr/bin/env python3
"""Writes four weeks of synthetic service perfdata, one check every 5 minutes,
as a Nagios service_perfdata_file in the PNP4Nagios bulk template, for the
demo (scripts/demo). Deterministic (fixed seed). The last day holds the
anomalies the analytics should find: a latency spike, a load level shift, a
disk filling up faster.

Usage: history.py END_UNIX_TIME DAYS > perfdata
"""
import math
import random
import sys

end = int(sys.argv[1])
days = int(sys.argv[2]) if len(sys.argv) > 2 else 28
step = 300
start = end - days * 86400
rng = random.Random(42)


def daily(t, peak_hour=14.0):
    h = (t % 86400) / 3600.0
    return math.cos((h - peak_hour) / 24.0 * 2 * math.pi)


def weekday(t):
    return ((t // 86400) + 3) % 7  # 0 = Monday


def record(t, host, service, perfdata, command, state="OK"):
    return ("DATATYPE::SERVICEPERFDATA\tTIMET::%d\tHOSTNAME::%s\tSERVICEDESC::%s\tSERVICEPERFDATA::%s\t"
            "SERVICECHECKCOMMAND::%s\tHOSTSTATE::UP\tHOSTSTATETYPE::HARD\tSERVICESTATE::%s\tSERVICESTATETYPE::HARD"
            % (t, host, service, perfdata, command, state))


out = sys.stdout
disk_used = 52_000.0
bytes_in = 0.0
for t in range(start - start % step, end, step):
    last_day = t >= end - 86400
    weekend = weekday(t) >= 5
    # web01 HTTP response time: daily cycle, busier on weekdays; a spike in the last day.
    base = 0.080 + 0.040 * max(0.0, daily(t)) * (0.4 if weekend else 1.0)
    rt = base * math.exp(rng.gauss(0, 0.08))
    if last_day and end - 6 * 3600 <= t < end - 5 * 3600:
        rt *= 6
    out.write(record(t, "web01", "HTTP", "time=%.6fs;1.000000;2.000000;0.000000 size=%dB;;;0" % (rt, 5120 + rng.randint(-40, 40)),
                     "check_http!-u /") + "\n")
    # web01 load: follows the traffic; a level shift in the last day.
    load = 0.6 + 1.4 * max(0.0, daily(t, 15)) * (0.5 if weekend else 1.0) + abs(rng.gauss(0, 0.15))
    if last_day and t >= end - 10 * 3600:
        load += 3.0
    out.write(record(t, "web01", "Load", "load1=%.3f;5.000;10.000;0; load5=%.3f;4.000;8.000;0; load15=%.3f;3.000;6.000;0;"
                     % (load, load * 0.9, load * 0.8), "check_load!5,4,3!10,8,6") + "\n")
    # web01 traffic counter (bytes in), weekly and daily cycle.
    rate = 2.0e6 * (1.2 + daily(t, 20)) * (0.6 if weekend else 1.0) * math.exp(rng.gauss(0, 0.05))
    bytes_in += rate * step
    out.write(record(t, "web01", "Traffic eth0", "in=%.0fc;;;0" % bytes_in, "check_traffic!eth0") + "\n")
    # db01 disk: slow growth, faster in the last day (forecast to fill).
    disk_used += (4.0 if not last_day else 120.0) * rng.random()
    out.write(record(t, "db01", "Disk /var", "/var=%dMB;90000;95000;0;100000" % disk_used, "check_disk!10%!5%!/var") + "\n")
    # db01 processes: flat with noise.
    out.write(record(t, "db01", "Procs", "procs=%d;400;500;0;" % (180 + rng.randint(-6, 6)), "check_procs!400!500") + "\n")
